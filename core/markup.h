// Escaping for the reports people read: HTML pages and Markdown files
// (`validate --report`, `compare --report`). Names come from configuration
// files and host names, so they may hold anything: "<script>", a '|' that
// would split a Markdown table cell, a newline that would end a table row.
// Every report writer escapes every such string with these two functions.
// Both also repair: an invalid UTF-8 sequence (a stray byte 0xff in a suite,
// check or cluster name) and a NUL byte become U+FFFD, as in the JSON output
// (core/json_text.h) and the results file (core/utf8.h), so a browser or a
// Markdown renderer that decodes strictly reads the whole report.
#ifndef CLUSTERBENCH_CORE_MARKUP_H_
#define CLUSTERBENCH_CORE_MARKUP_H_

#include <string>
#include <string_view>

namespace cb {

// Text for HTML element content and attribute values: & < > " and '
// become character references (&amp; &lt; &gt; &quot; &#39;).
std::string EscapeHtml(std::string_view s);

// Text for Markdown (GitHub-flavoured, tables included), in running text, a
// heading or a table cell: what EscapeHtml escapes (so raw HTML such as
// "<script>" shows as text and is never run), plus '|' -> "\|" (a table
// cell stays one cell), '\' -> "\\" and '`' -> "\`" (no escape or code span
// starts by accident), and each line break (\n, \r, \r\n) -> one space (a
// table row or heading stays one line). Not for use inside a code span,
// where Markdown decodes no escapes.
std::string EscapeMarkdown(std::string_view s);

}  // namespace cb

#endif  // CLUSTERBENCH_CORE_MARKUP_H_
