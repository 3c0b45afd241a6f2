// What the importers share in reading another tool's file: the error that
// names file and line, the line of a byte (JSON parse errors), text read a
// line at a time, and YAML quoting for the run's config_yaml. Private to
// import/.
#ifndef CLUSTERBENCH_IMPORT_INTERNAL_TEXT_INPUT_H_
#define CLUSTERBENCH_IMPORT_INTERNAL_TEXT_INPUT_H_

#include <cstddef>
#include <string>

namespace cb::importer {

// Throws IoError "PATH:LINE: WHAT", or "PATH: WHAT" when `line` is 0 (no line
// is to blame).
[[noreturn]] void Fail(const std::string& path, size_t line, const std::string& what);

// The 1-based line of `text` that holds byte `byte`.
size_t LineOfByte(const std::string& text, size_t byte);

// `s` as a single-quoted YAML scalar ('' for a quote).
std::string YamlQuoted(const std::string& s);

// `text` a line at a time: '\n' ends a line, a '\r' before it is dropped, and
// the last line may lack its '\n' (a file cut short).
class TextLines {
 public:
  explicit TextLines(const std::string& text) : text_(text) {}
  // The next line into *line; false after the last.
  bool Next(std::string* line);
  // The 1-based number of the line Next gave last (0 before the first; after
  // the end, the last line's).
  size_t line_no() const { return line_no_; }
  // The line Next gave last had no '\n': the text ends in it, perhaps cut short.
  bool unterminated() const { return unterminated_; }

 private:
  const std::string& text_;
  size_t pos_ = 0;
  size_t line_no_ = 0;
  bool unterminated_ = false;
};

}  // namespace cb::importer

#endif  // CLUSTERBENCH_IMPORT_INTERNAL_TEXT_INPUT_H_
