#include "core/markup.h"

#include <gtest/gtest.h>

#include <string>

namespace cb {
namespace {

TEST(Markup, HtmlEscapesTheFiveSpecialCharacters) {
  EXPECT_EQ(EscapeHtml(R"(<script>alert("x" & 'y')</script>)"),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;");
  EXPECT_EQ(EscapeHtml("H100 16k RoCE (Llama 3-like)"), "H100 16k RoCE (Llama 3-like)");
}

// A name in a Markdown table cell: raw HTML shows as text, '|' stays inside
// the cell, a newline does not end the row, a backslash or backtick starts no
// escape or code span. Ordinary names are unchanged.
TEST(Markup, MarkdownEscapesHtmlTableSyntaxAndLineBreaks) {
  EXPECT_EQ(EscapeMarkdown("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
  EXPECT_EQ(EscapeMarkdown("a|b"), "a\\|b");
  EXPECT_EQ(EscapeMarkdown("a\\|b"), "a\\\\\\|b");  // a literal backslash, then a literal pipe
  EXPECT_EQ(EscapeMarkdown("line 1\nline 2\r\nline 3\rline 4"), "line 1 line 2 line 3 line 4");
  EXPECT_EQ(EscapeMarkdown("`code`"), "\\`code\\`");
  EXPECT_EQ(EscapeMarkdown("R&D \"fleet\""), "R&amp;D &quot;fleet&quot;");
  EXPECT_EQ(EscapeMarkdown("DGX H100 NDR 16k (Llama 3-like), gemm_bf16"), "DGX H100 NDR 16k (Llama 3-like), gemm_bf16");
  EXPECT_EQ(EscapeMarkdown("x").find('\n'), std::string::npos);
}

// A name with bytes that are not UTF-8 (0xff, a lone continuation byte, a
// truncated sequence, a NUL) would make the whole report undecodable for a
// strict reader; each such byte becomes U+FFFD, and escaping goes on around
// it as usual. Valid multi-byte text is left as it is.
TEST(Markup, BothRepairInvalidUtf8WithTheReplacementCharacter) {
  const std::string kFffd = "\xEF\xBF\xBD";
  EXPECT_EQ(EscapeHtml("bad\xff<b>"), "bad" + kFffd + "&lt;b&gt;");
  EXPECT_EQ(EscapeMarkdown("n\x80"
                           "a|me\xe2\x82"),
            "n" + kFffd + "a\\|me" + kFffd + kFffd);
  EXPECT_EQ(EscapeMarkdown(std::string("a\0b", 3)), "a" + kFffd + "b");
  const std::string valid =
      "Gr\xc3\xbc\xc3\x9f"
      "e \xe2\x80\x94 \xf0\x9f\x9a\x80 \xc3\xa9t\xc3\xa9";
  EXPECT_EQ(EscapeHtml(valid), valid);
  EXPECT_EQ(EscapeMarkdown(valid), valid);
}

}  // namespace
}  // namespace cb
