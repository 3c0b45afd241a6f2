#include "import/internal/text_input.h"

#include <fmt/format.h>

#include "core/error.h"

namespace cb::importer {

void Fail(const std::string& path, size_t line, const std::string& what) {
  if (line == 0) throw IoError(fmt::format("{}: {}", path, what));
  throw IoError(fmt::format("{}:{}: {}", path, line, what));
}

size_t LineOfByte(const std::string& text, size_t byte) {
  size_t line = 1;
  for (size_t i = 0; i < byte && i < text.size(); ++i) line += text[i] == '\n';
  return line;
}

std::string YamlQuoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

bool TextLines::Next(std::string* line) {
  if (pos_ >= text_.size()) return false;
  const size_t end = text_.find('\n', pos_);
  unterminated_ = end == std::string::npos;
  *line = text_.substr(pos_, unterminated_ ? std::string::npos : end - pos_);
  pos_ = unterminated_ ? text_.size() : end + 1;
  ++line_no_;
  if (!line->empty() && line->back() == '\r') line->pop_back();
  return true;
}

}  // namespace cb::importer
