// The HTML report (report.h ReportHtml): one self-contained page, one
// function per section; charts from core/svg_chart.h, text escaped by
// core/markup.h, the shared wording from acceptance/internal/report.h.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "acceptance/fabric_report.h"
#include "acceptance/internal/report.h"
#include "acceptance/report.h"
#include "core/markup.h"
#include "core/svg_chart.h"
#include "core/units.h"

namespace cb::acc {
namespace internal {
namespace {

// The page's head and style, the banner coloured by the exit code, and the
// run in one line.
std::string HtmlHeader(const ValidationReport& r) {
  std::string o = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>)" +
                  EscapeHtml("Acceptance report: " + r.suite.name) + R"(</title>
<style>
body{font-family:sans-serif;margin:24px;color:#212121;background:#fff}
table{border-collapse:collapse;margin:8px 0 24px}td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px;text-align:left}
.v-PASS{color:#2e7d32;font-weight:bold}.v-WARN{color:#b28704;font-weight:bold}.v-FAIL{color:#c62828;font-weight:bold}
.v-SKIPPED{color:#757575}.banner{padding:12px 16px;font-size:20px;color:#fff;border-radius:4px}
.partial{background:#fff3e0;border:1px solid #ef6c00;padding:8px;margin:8px 0}
</style></head><body>
)";
  const char* banner = r.status.exit_code == 0   ? "#2e7d32"
                       : r.status.exit_code == 1 ? "#f9a825"
                       : r.status.exit_code == 2 ? "#c62828"
                                                 : "#616161";
  o += fmt::format(
      "<h1>Acceptance report: {}</h1>\n<div class=\"banner\" id=\"banner\" style=\"background:{}\">{}</div>\n",
      EscapeHtml(r.suite.name), banner, EscapeHtml(Headline(r)));
  if (r.partial) o += fmt::format("<div class=\"partial\"><b>PARTIAL</b>: {}</div>\n", EscapeHtml(r.partial_reason));
  o += fmt::format("<p>Suite <code>{}</code> ({}){}; {} rank(s), {} node(s); {:.1f} s.</p>\n", EscapeHtml(r.suite.name),
                   EscapeHtml(r.suite.file), r.suite.has_gpu ? ", GPU " + EscapeHtml(r.suite.gpu_name) : "",
                   r.ranks.size(), r.nodes.size(), r.elapsed_s);
  return o;
}

// What the nodes are blamed for, in plain words, the statistics folded.
std::string HtmlFailingNodes(const ValidationReport& r) {
  std::string failing;
  for (const auto& n : r.nodes) {
    if (n.verdict != Verdict::kFail && n.verdict != Verdict::kWarn) continue;
    failing += fmt::format("<li><span class=\"v-{}\">{}</span> {}<ul>", VerdictName(n.verdict), VerdictName(n.verdict),
                           EscapeHtml(NodeName(n)));
    for (size_t i = 0; i < n.reasons.size(); ++i) {
      const std::string& plain = i < n.plain.size() ? n.plain[i] : n.reasons[i];
      failing += "<li>" + EscapeHtml(plain);
      if (plain != n.reasons[i]) {
        failing += "<details><summary>details</summary><code>" + EscapeHtml(n.reasons[i]) + "</code></details>";
      }
      failing += "</li>";
    }
    failing += "</ul></li>\n";
  }
  if (failing.empty()) return "";
  return "<h2>Failing nodes</h2>\n<ul id=\"failing-nodes\">\n" + failing + "</ul>\n";
}

// The next step per class of failure, and the Slurm lines that drain the failed nodes.
std::string HtmlNextSteps(const ValidationReport& r) {
  std::string o;
  const auto steps = NextSteps(r);
  if (!steps.empty()) {
    o += "<h2>Next steps</h2>\n<table id=\"next-steps\"><tr><th>what</th><th>nodes</th><th>next step</th></tr>\n";
    for (const auto& st : steps) {
      o +=
          fmt::format("<tr class=\"failure-{}\"><td>{}</td><td>{}</td><td>{}</td></tr>\n", st.advice->name,
                      EscapeHtml(st.advice->title), EscapeHtml(Join(st.nodes, ", ")), EscapeHtml(st.advice->next_step));
    }
    o += "</table>\n";
  }
  const auto failed = FailedNodes(r);
  if (!failed.empty()) {
    o += "<h2>Drain (Slurm)</h2>\n<pre id=\"slurm-drain\">";
    for (const auto& f : failed) o += EscapeHtml(SlurmDrainLine(f)) + "\n";
    o += "</pre>\n";
  }
  return o;
}

// The cluster figures, one table per section, against their nameplate.
std::string HtmlSummary(const ValidationReport& r) {
  std::string o, section;
  for (const auto& f : r.summary) {
    if (f.section != section) {
      if (!section.empty()) o += "</table>\n";
      section = f.section;
      o += fmt::format(
          "<h2>{}</h2>\n<table><tr><th>figure</th><th>measured</th><th>nameplate</th><th>%</th><th>how</th></tr>\n",
          EscapeHtml(section));
    }
    std::string plate = Plate(f);
    o +=
        fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", EscapeHtml(f.name),
                    EscapeHtml(Fig(f)), EscapeHtml(plate),
                    plate.empty() ? "" : fmt::format("{:.1f}", 100 * f.value / f.nameplate), EscapeHtml(f.description));
  }
  if (!section.empty()) o += "</table>\n";
  return o;
}

// A health check's units: verdicts, not figures (what each node's files said).
std::string HtmlHealthCheck(const Check& c, const std::vector<const UnitResult*>& us) {
  std::string o =
      fmt::format("<h3>{} ({})</h3>\n<table class=\"health\"><tr><th>unit</th><th>verdict</th><th>found</th></tr>\n",
                  EscapeHtml(c.name), EscapeHtml(c.Describe()));
  for (const UnitResult* u : us) {
    const std::string found = u->verdict.plain.empty() ? u->verdict.reason : u->verdict.plain;
    o += fmt::format("<tr><td>{}</td><td class=\"v-{}\">{}</td><td>{}{}</td></tr>\n", EscapeHtml(u->label),
                     VerdictName(u->verdict.verdict), VerdictName(u->verdict.verdict), EscapeHtml(found),
                     u->verdict.reason.empty() || found == u->verdict.reason
                         ? ""
                         : "<details><summary>details</summary>" + EscapeHtml(u->verdict.reason) + "</details>");
  }
  return o + "</table>\n";
}

// A measured check's units: a bar chart of each unit's best value with the
// expected value dashed (axes, ticks and units from core/svg_chart.h; a unit
// whose data was wrong says so, not only with a red bar), and measured
// against the model where the check is judged by it.
std::string HtmlCheckChart(const Check& c, const std::vector<const UnitResult*>& us) {
  const Dimension d = c.judge.dimension;
  BarChart chart{fmt::format("{} ({})", c.name, c.Describe()),
                 fmt::format("{}: each unit's median over its rounds", DimensionName(d)),
                 "the bound the unit had to reach (its reason says which)",
                 {},
                 [d](double v) { return Q(v, d); }};
  for (const UnitResult* u : us) {
    const bool skipped = u->verdict.verdict == Verdict::kSkipped;
    const bool wrong = u->data.wrong > 0;
    std::string text =
        skipped ? VerdictName(u->verdict.verdict) : Q(u->verdict.value, d) + " " + VerdictName(u->verdict.verdict);
    if (wrong) text += fmt::format(" — WRONG RESULTS ({} elements)", u->data.wrong);
    chart.bars.push_back({u->label, skipped ? 0 : u->verdict.value, text, wrong ? "#6a1b9a" : Color(u->verdict.verdict),
                          u->verdict.reason.empty() ? VerdictName(u->verdict.verdict) : u->verdict.reason,
                          u->verdict.expected});
  }
  std::string o = RenderBarChart(chart);
  if (c.judged_by_model()) {
    o += "<table class=\"model\"><tr><th>unit</th><th>measured</th><th>model</th><th>measured/model</th>"
         "<th>how</th></tr>\n";
    for (const UnitResult* u : us) {
      if (u->verdict.model <= 0) continue;
      o += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.3g}</td><td>{}</td></tr>\n", EscapeHtml(u->label),
                       Q(u->verdict.value, d), Q(u->verdict.model, d), u->verdict.model_ratio(),
                       EscapeHtml(u->verdict.model_how));
    }
    o += "</table>\n";
  }
  return o;
}

// One section per check that has units: a health table or a bar chart.
std::string HtmlChecks(const ValidationReport& r) {
  std::string o = "<h2>Checks</h2>\n";
  for (size_t ci = 0; ci < r.suite.checks.size(); ++ci) {
    const Check& c = r.suite.checks[ci];
    std::vector<const UnitResult*> us;
    for (const auto& u : r.units) {
      if (u.check == static_cast<int>(ci)) us.push_back(&u);
    }
    if (us.empty()) continue;
    o += c.is_health() ? HtmlHealthCheck(c, us) : HtmlCheckChart(c, us);
  }
  return o;
}

// Reasons in plain words, one a line, each with its statistics folded under "details".
std::string HtmlReasons(const std::vector<std::string>& reasons, const std::vector<std::string>& plains) {
  std::string why;
  for (size_t i = 0; i < reasons.size(); ++i) {
    const std::string& plain = i < plains.size() ? plains[i] : reasons[i];
    why += (why.empty() ? "" : "<br>") + EscapeHtml(plain);
    if (plain != reasons[i]) why += "<details><summary>details</summary>" + EscapeHtml(reasons[i]) + "</details>";
  }
  return why;
}

// The verdict of every node, then of every rank.
std::string HtmlNodesAndRanks(const ValidationReport& r) {
  std::string o =
      "<h2>Nodes</h2>\n<table "
      "id=\"nodes\"><tr><th>node</th><th>host</th><th>ranks</th><th>verdict</th><th>reasons</th></tr>\n";
  for (const auto& n : r.nodes) {
    std::string ranks;
    for (int x : n.ranks) ranks += (ranks.empty() ? "" : ", ") + std::to_string(x);
    o += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"v-{}\">{}</td><td>{}</td></tr>\n",
                     EscapeHtml(n.node), EscapeHtml(n.host), ranks, VerdictName(n.verdict), VerdictName(n.verdict),
                     HtmlReasons(n.reasons, n.plain));
  }
  o += "</table>\n<h2>Ranks</h2>\n<table><tr><th>rank</th><th>host</th><th>device</th><th>verdict</th><th>reasons</"
       "th></tr>\n";
  for (const auto& x : r.ranks) {
    o += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"v-{}\">{}</td><td>{}</td></tr>\n", x.rank,
                     EscapeHtml(x.host), EscapeHtml(x.device), VerdictName(x.verdict), VerdictName(x.verdict),
                     HtmlReasons(x.reasons, x.plain));
  }
  return o + "</table>\n";
}

// What makes the report evidence, and what the nodes are (hosts, then their GPUs).
std::string HtmlProvenanceAndInventory(const ValidationReport& r) {
  std::string o = "<h2>Provenance</h2>\n<table id=\"provenance\">\n";
  for (const auto& [k, v] : ProvenanceRows(r)) {
    o += fmt::format("<tr><th>{}</th><td><code>{}</code></td></tr>\n", EscapeHtml(k), EscapeHtml(v));
  }
  o += "</table>\n<h2>Inventory</h2>\n<table id=\"inventory\"><tr><th>host</th><th>CPU</th><th>memory</th><th>OS</th>"
       "<th>kernel</th><th>GPUs</th><th>driver</th></tr>\n";
  for (const auto& n : r.inventory) {
    o += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                     EscapeHtml(n.hostname), EscapeHtml(CpuText(n)),
                     EscapeHtml(FormatBytes(static_cast<double>(n.memory_bytes))), EscapeHtml(n.os),
                     EscapeHtml(n.kernel), EscapeHtml(Gpus(n)), EscapeHtml(Version(n, "driver")));
  }
  o += "</table>\n";
  bool any_gpu = false;
  for (const auto& n : r.inventory) any_gpu |= !n.gpus.empty();
  if (any_gpu) {
    o += "<table id=\"inventory-gpus\"><tr><th>host</th><th>GPU</th><th>name</th><th>UUID</th><th>PCI bus id</th>"
         "<th>serial</th><th>VBIOS</th></tr>\n";
    for (const auto& n : r.inventory) {
      for (const auto& g : n.gpus) {
        o += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                         EscapeHtml(n.hostname), g.index, EscapeHtml(g.name), EscapeHtml(g.uuid),
                         EscapeHtml(g.pci_bus_id), EscapeHtml(g.serial), EscapeHtml(g.vbios));
      }
    }
    o += "</table>\n";
  }
  return o;
}

}  // namespace
}  // namespace internal

std::string ReportHtml(const ValidationReport& r) {
  return internal::HtmlHeader(r) + internal::HtmlFailingNodes(r) + internal::HtmlNextSteps(r) +
         internal::HtmlSummary(r) + internal::HtmlChecks(r) + FabricHtml(r) + internal::HtmlNodesAndRanks(r) +
         internal::HtmlProvenanceAndInventory(r) + "</body></html>\n";
}

}  // namespace cb::acc
