#include "core/markup.h"

#include "core/utf8.h"

namespace cb {
namespace {

// Appends the character reference for `c` and returns true when `c` is one
// that HTML escaping replaces.
bool AppendHtmlReference(char c, std::string* o) {
  switch (c) {
    case '&':
      *o += "&amp;";
      return true;
    case '<':
      *o += "&lt;";
      return true;
    case '>':
      *o += "&gt;";
      return true;
    case '"':
      *o += "&quot;";
      return true;
    case '\'':
      *o += "&#39;";
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string EscapeHtml(std::string_view raw) {
  const std::string s = SanitizeUtf8(raw);
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    if (!AppendHtmlReference(c, &o)) o += c;
  }
  return o;
}

std::string EscapeMarkdown(std::string_view raw) {
  const std::string s = SanitizeUtf8(raw);
  std::string o;
  o.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (AppendHtmlReference(c, &o)) continue;
    switch (c) {
      case '|':
      case '\\':
      case '`':
        o += '\\';
        o += c;
        break;
      case '\r':
        if (i + 1 < s.size() && s[i + 1] == '\n') ++i;  // \r\n is one line break
        o += ' ';
        break;
      case '\n':
        o += ' ';
        break;
      default:
        o += c;
    }
  }
  return o;
}

}  // namespace cb
