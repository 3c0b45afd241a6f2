#include "acceptance/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

#include "acceptance/fabric_report.h"
#include "acceptance/internal/report.h"
#include "core/markup.h"
#include "core/svg_chart.h"
#include "core/units.h"

namespace cb::acc {
namespace internal {

std::string Q(double v, Dimension d) { return FormatQuantity(v, d, 4); }

// fraction_of_model: "model 8.5 GB/s, measured/model 1.12 (collective model of ...)".
std::string ModelLine(const UnitVerdict& v, Dimension d) {
  return fmt::format("model {}, measured/model {:.3g} ({})", Q(v.model, d), v.model_ratio(), v.model_how);
}

bool HasModel(const ValidationReport& r) {
  for (const auto& u : r.units) {
    if (u.verdict.model > 0) return true;
  }
  return false;
}
Dimension DimOf(const std::string& units) {
  return units == "FLOP/s" ? Dimension::kFlopRate : units == "B/s" ? Dimension::kBandwidth : Dimension::kDimensionless;
}
std::string Fig(const SummaryFigure& f) {
  return f.units == "1" ? fmt::format("{:g}", f.value) : Q(f.value, DimOf(f.units));
}
std::string Plate(const SummaryFigure& f) {
  if (f.nameplate <= 0) return "";
  return f.units == "1" ? fmt::format("{:g}", f.nameplate) : Q(f.nameplate, DimOf(f.units));
}

const char* Color(Verdict v) {
  switch (v) {
    case Verdict::kPass:
      return "#2e7d32";
    case Verdict::kWarn:
      return "#f9a825";
    case Verdict::kFail:
      return "#c62828";
    case Verdict::kSkipped:
      break;
  }
  return "#9e9e9e";
}

std::string NodeName(const NodeResult& n) {
  return n.node == n.host ? fmt::format("node {}", n.node) : fmt::format("node {} (host {})", n.node, n.host);
}

// "FAIL: node a (host x), node b; WARN: node c": the nodes that did not pass.
std::string NotPassing(const ValidationReport& r) {
  std::string o;
  for (Verdict v : {Verdict::kFail, Verdict::kWarn}) {
    std::vector<std::string> names;
    for (const auto& n : r.nodes) {
      if (n.verdict == v) names.push_back(NodeName(n));
    }
    if (names.empty()) continue;
    constexpr size_t kShown = 10;
    std::string list;
    for (size_t i = 0; i < names.size() && i < kShown; ++i) list += (i ? ", " : "") + names[i];
    if (names.size() > kShown) list += fmt::format(" and {} more", names.size() - kShown);
    o += fmt::format("{}{}: {}", o.empty() ? "" : "; ", VerdictName(v), list);
  }
  return o;
}

// The provenance as (label, value) rows, in the order every format shows them.
std::vector<std::pair<std::string, std::string>> ProvenanceRows(const ValidationReport& r) {
  const Provenance& p = r.provenance;
  return {
      {"started (UTC)", p.started_utc},
      {"finished (UTC)", p.finished_utc},
      {"tool", fmt::format("clusterbench {} (git {}, {} build)", p.tool_version, p.git_revision,
                           p.build_type.empty() ? "default" : p.build_type)},
      {"suite", fmt::format("{} ({})", r.suite.name, r.suite.file)},
      {"suite file SHA-256", r.suite.file_sha256.empty() ? "(no file)" : r.suite.file_sha256},
      {"effective suite SHA-256 (defaults and --set applied; the evidence's config_yaml)", r.suite.yaml_sha256},
      {"command line", p.command_line},
      {"job", fmt::format("{} rank(s), {} node(s), {} host(s), control plane {}; rank 0 on {}", r.ranks.size(),
                          r.nodes.size(), r.inventory.size(), r.backend, p.host)},
  };
}

std::string Gpus(const NodeInfo& n) {
  if (n.gpus.empty()) return n.gpu_note.empty() ? "none" : "none (" + n.gpu_note + ")";
  return fmt::format("{} x {}", n.gpus.size(), n.gpus.front().name);
}

std::string Version(const NodeInfo& n, const char* key) {
  auto it = n.versions.find(key);
  return it == n.versions.end() ? "" : it->second;
}

std::string CpuText(const NodeInfo& n) {
  return fmt::format("{}, {} socket(s), {} cores, {} threads", n.cpu_model, n.cpu_sockets, n.cpu_cores, n.cpu_threads);
}

std::vector<NextStep> NextSteps(const ValidationReport& r) {
  std::vector<NextStep> out;
  for (const auto& n : r.nodes) {
    if (n.verdict == Verdict::kPass) continue;
    for (Failure f : n.failures) {
      auto it = std::find_if(out.begin(), out.end(), [f](const NextStep& s) { return s.advice->failure == f; });
      if (it == out.end()) {
        out.push_back({&AdviceFor(f), {}});
        it = out.end() - 1;
      }
      it->nodes.push_back(n.node);
    }
  }
  std::sort(out.begin(), out.end(),
            [](const NextStep& a, const NextStep& b) { return a.advice->failure < b.advice->failure; });
  return out;
}

std::string Join(const std::vector<std::string>& v, const std::string& sep) {
  std::string o;
  for (const auto& x : v) o += (o.empty() ? "" : sep) + x;
  return o;
}

}  // namespace internal

using internal::Color;
using internal::CpuText;
using internal::Fig;
using internal::Gpus;
using internal::HasModel;
using internal::Join;
using internal::ModelLine;
using internal::NextSteps;
using internal::NodeName;
using internal::NotPassing;
using internal::Plate;
using internal::ProvenanceRows;
using internal::Q;
using internal::Version;

std::string Headline(const ValidationReport& r) {
  std::string o =
      fmt::format("{}{}: {} of {} nodes pass, {} of {} devices pass", r.status.name, r.partial ? " (PARTIAL)" : "",
                  r.nodes_passing, r.nodes_total, r.devices_passing, r.devices_total);
  const std::string bad = NotPassing(r);
  if (!bad.empty()) o += "; " + bad;
  // A link or a pair fails no node; the headline names it all the same.
  const std::string links = FabricHeadline(r);
  return links.empty() ? o : o + "; culprit: " + links;
}

std::string ShellQuote(const std::string& s) {
  std::string o = "'";
  for (char c : s) {
    if (c == '\'') {
      o += "'\\''";
    } else {
      o += c;
    }
  }
  return o + "'";
}

std::vector<FailedNode> FailedNodes(const ValidationReport& r) {
  std::vector<FailedNode> out;
  std::set<std::string> hosts;
  for (const auto& n : r.nodes) {
    if (n.verdict != Verdict::kFail || !hosts.insert(n.host).second) continue;
    // The checks that failed on any node of this host, each with its class.
    std::vector<std::string> parts;
    for (const auto& m : r.nodes) {
      if (m.host != n.host || m.verdict != Verdict::kFail) continue;
      for (const auto& u : r.units) {
        if (u.verdict.verdict != Verdict::kFail) continue;
        bool mine = u.node == m.node;
        for (int x : u.ranks) mine |= std::find(m.ranks.begin(), m.ranks.end(), x) != m.ranks.end();
        if (!mine) continue;
        const std::string part =
            fmt::format("{} {}", r.suite.checks[static_cast<size_t>(u.check)].name, FailureName(u.verdict.failure));
        if (std::find(parts.begin(), parts.end(), part) == parts.end()) parts.push_back(part);
      }
    }
    out.push_back({n.node, n.host, fmt::format("clusterbench: {}: {}", r.suite.name, Join(parts, "; "))});
  }
  return out;
}

std::string SlurmDrainLine(const FailedNode& n) {
  std::string reason;
  for (char c : n.reason) {
    if (c == '"' || c == '\\' || c == '\n' || c == '\r') continue;
    reason += c;
  }
  return fmt::format("scontrol update nodename={} state=drain reason=\"{}\"", n.host, reason);
}

std::string ExpandDrainCommand(const std::string& command, const FailedNode& n) {
  std::string o;
  for (size_t i = 0; i < command.size();) {
    bool done = false;
    for (const auto& [key, value] :
         {std::pair<std::string, std::string>{"{host}", n.host}, {"{node}", n.node}, {"{reason}", n.reason}}) {
      if (command.compare(i, key.size(), key) == 0) {
        o += ShellQuote(value);
        i += key.size();
        done = true;
        break;
      }
    }
    if (!done) o += command[i++];
  }
  return o;
}

int ProcessExitCode(const ValidationReport& r) { return r.stalled ? 6 : r.partial ? 130 : r.status.exit_code; }

std::string_view OverallVerdict(const ValidationReport& r) {
  if (r.status.exit_code == 3) return "UNKNOWN";
  Verdict worst = Verdict::kSkipped;
  for (const auto& u : r.units) worst = Worst(worst, u.verdict.verdict);
  return VerdictName(worst);
}

namespace {

std::string LabelPromValue(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '\\' || c == '"') o += '\\';
    if (c == '\n') {
      o += "\\n";
      continue;
    }
    o += c;
  }
  return o;
}

}  // namespace

std::string FormatReportText(const ValidationReport& r) {
  std::string o = fmt::format("# clusterbench validate: suite {} ({}), {} rank(s), {} node(s), {:.1f} s\n",
                              r.suite.name, r.suite.file, r.ranks.size(), r.nodes.size(), r.elapsed_s);
  if (r.partial) o += fmt::format("# PARTIAL: {}\n", r.partial_reason);
  for (const auto& [k, v] : ProvenanceRows(r)) o += fmt::format("# {:<24} {}\n", k, v);
  for (const auto& n : r.inventory) {
    o += fmt::format("# host {}: {}; {} memory; {} ({}); GPUs {}{}\n", n.hostname, CpuText(n),
                     FormatBytes(static_cast<double>(n.memory_bytes)), n.os, n.kernel, Gpus(n),
                     Version(n, "driver").empty() ? "" : ", driver " + Version(n, "driver"));
  }
  o += fmt::format("{:<18} {:<34} {:>14} {:>14} {:>9}  {}\n", "check", "unit", "measured", "expected", "verdict",
                   "reason");
  for (const auto& u : r.units) {
    const Check& c = r.suite.checks[static_cast<size_t>(u.check)];
    const Dimension d = c.judge.dimension;
    bool skipped = u.verdict.verdict == Verdict::kSkipped || c.is_health();
    o += fmt::format("{:<18} {:<34} {:>14} {:>14} {:>9}  {}\n", c.name, u.label, skipped ? "-" : Q(u.verdict.value, d),
                     u.verdict.expected > 0 ? Q(u.verdict.expected, d) : "-", VerdictName(u.verdict.verdict),
                     u.verdict.plain.empty() ? u.verdict.reason : u.verdict.plain);
    if (u.verdict.model > 0) o += "    " + ModelLine(u.verdict, d) + "\n";
  }
  o += "\n";
  o += fmt::format("{:>5} {:<24} {:<24} {:<28} {:>8}\n", "rank", "host", "node", "device", "verdict");
  for (const auto& x : r.ranks) {
    o += fmt::format("{:>5} {:<24} {:<24} {:<28} {:>8}\n", x.rank, x.host, x.node, x.device, VerdictName(x.verdict));
    for (size_t i = 0; i < x.reasons.size(); ++i) {
      const std::string& plain = i < x.plain.size() ? x.plain[i] : x.reasons[i];
      o += fmt::format("        - {}\n", plain);
      if (plain != x.reasons[i]) o += fmt::format("            details: {}\n", x.reasons[i]);
    }
  }
  o += "\n";
  std::string section;
  for (const auto& f : r.summary) {
    if (f.section != section) {
      section = f.section;
      o += fmt::format("## {}\n", section);
    }
    std::string plate = Plate(f);
    o += fmt::format("   {:<64} {:>14}{}\n", f.name, Fig(f),
                     plate.empty() ? "" : fmt::format(" of {} ({:.1f}%)", plate, 100 * f.value / f.nameplate));
  }
  const auto steps = NextSteps(r);
  if (!steps.empty()) o += "\n## next steps\n";
  for (const auto& st : steps) {
    o += fmt::format("   {} ({}): {}\n", st.advice->title, Join(st.nodes, ", "), st.advice->next_step);
  }
  const auto failed = FailedNodes(r);
  if (!failed.empty()) o += "\n## drain (Slurm)\n";
  for (const auto& f : failed) o += "   " + SlurmDrainLine(f) + "\n";
  if (const std::string fabric = FabricText(r); !fabric.empty()) o += "\n" + fabric;
  o += fmt::format("\nverdict: {} (exit {})\n", Headline(r), ProcessExitCode(r));
  return o;
}

namespace {

// The title, PARTIAL when interrupted, and the verdict with the exit code.
std::string MarkdownHeader(const ValidationReport& r) {
  std::string o = fmt::format("# Acceptance report: {}\n\n", EscapeMarkdown(r.suite.name));
  if (r.partial) {
    o += fmt::format("> **PARTIAL**: {}. The verdicts below cover what was measured.\n\n",
                     EscapeMarkdown(r.partial_reason));
  }
  return o + fmt::format("**Verdict: {}** (exit code {})\n\n", EscapeMarkdown(Headline(r)), ProcessExitCode(r));
}

// What makes the report evidence, and what the nodes are (hosts, then their GPUs).
std::string MarkdownProvenanceAndInventory(const ValidationReport& r) {
  std::string o = "## Provenance\n\n| | |\n| --- | --- |\n";
  for (const auto& [k, v] : ProvenanceRows(r)) o += fmt::format("| {} | {} |\n", k, EscapeMarkdown(v));
  o += "\n## Inventory\n\n| host | CPU | memory | OS | kernel | GPUs | driver |\n"
       "| --- | --- | ---: | --- | --- | --- | --- |\n";
  for (const auto& n : r.inventory) {
    o += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", EscapeMarkdown(n.hostname), EscapeMarkdown(CpuText(n)),
                     FormatBytes(static_cast<double>(n.memory_bytes)), EscapeMarkdown(n.os), EscapeMarkdown(n.kernel),
                     EscapeMarkdown(Gpus(n)), EscapeMarkdown(Version(n, "driver")));
  }
  bool any_gpu = false;
  for (const auto& n : r.inventory) any_gpu |= !n.gpus.empty();
  if (any_gpu) {
    o += "\n| host | GPU | name | UUID | PCI bus id | serial | VBIOS |\n| --- | ---: | --- | --- | --- | --- | --- |\n";
    for (const auto& n : r.inventory) {
      for (const auto& g : n.gpus) {
        o += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", EscapeMarkdown(n.hostname), g.index,
                         EscapeMarkdown(g.name), EscapeMarkdown(g.uuid), EscapeMarkdown(g.pci_bus_id),
                         EscapeMarkdown(g.serial), EscapeMarkdown(g.vbios));
      }
    }
  }
  return o + "\n";
}

// The run in one line, then the cluster figures, one table per section.
std::string MarkdownSummary(const ValidationReport& r) {
  // Not a code span around the suite's name: escapes are not decoded there.
  std::string o =
      fmt::format("Suite **{}** ({}){}; {} rank(s), {} node(s); {:.1f} s.\n\n", EscapeMarkdown(r.suite.name),
                  EscapeMarkdown(r.suite.file), r.suite.has_gpu ? ", GPU " + EscapeMarkdown(r.suite.gpu_name) : "",
                  r.ranks.size(), r.nodes.size(), r.elapsed_s);
  std::string section;
  for (const auto& f : r.summary) {
    if (f.section != section) {
      section = f.section;
      o += fmt::format("\n## {}\n\n| figure | measured | nameplate | % | how |\n| --- | ---: | ---: | ---: | --- |\n",
                       EscapeMarkdown(section));
    }
    std::string plate = Plate(f);
    o += fmt::format("| {} | {} | {} | {} | {} |\n", EscapeMarkdown(f.name), Fig(f), plate,
                     plate.empty() ? "" : fmt::format("{:.1f}", 100 * f.value / f.nameplate),
                     EscapeMarkdown(f.description));
  }
  return o;
}

// Every node's verdict; what the failing ones are blamed for (the statistics
// as details); the next step per class of failure; the Slurm drain lines.
std::string MarkdownNodes(const ValidationReport& r) {
  std::string o = "\n## Nodes\n\n| node | host | ranks | verdict | reasons |\n| --- | --- | --- | --- | --- |\n";
  for (const auto& n : r.nodes) {
    std::string ranks, why;
    for (int x : n.ranks) ranks += (ranks.empty() ? "" : ", ") + std::to_string(x);
    for (const auto& w : n.plain) why += (why.empty() ? "" : "<br>") + EscapeMarkdown(w);
    o += fmt::format("| {} | {} | {} | **{}** | {} |\n", EscapeMarkdown(n.node), EscapeMarkdown(n.host), ranks,
                     VerdictName(n.verdict), why);
  }
  std::string reasons;
  for (const auto& n : r.nodes) {
    for (size_t i = 0; i < n.reasons.size(); ++i) {
      const std::string& plain = i < n.plain.size() ? n.plain[i] : n.reasons[i];
      reasons += fmt::format("- **{}** {}: {}\n\n", VerdictName(n.verdict), EscapeMarkdown(NodeName(n)),
                             EscapeMarkdown(plain));
      // Details, indented under the item: the statistics behind the verdict.
      if (plain != n.reasons[i]) reasons += fmt::format("      details: {}\n\n", n.reasons[i]);
    }
  }
  if (!reasons.empty()) o += "\n## Reasons\n\n" + reasons;
  const auto steps = NextSteps(r);
  if (!steps.empty()) o += "\n## Next steps\n\n";
  for (const auto& st : steps) {
    o += fmt::format("- **{}** ({}): {}\n", EscapeMarkdown(st.advice->title), EscapeMarkdown(Join(st.nodes, ", ")),
                     EscapeMarkdown(st.advice->next_step));
  }
  const auto failed = FailedNodes(r);
  if (!failed.empty()) {
    o += "\n## Drain (Slurm)\n\n";
    for (const auto& f : failed) o += "    " + SlurmDrainLine(f) + "\n";
  }
  return o;
}

// Every rank's verdict, every unit's, and the units measured against the model.
std::string MarkdownRanksAndChecks(const ValidationReport& r) {
  std::string o = "\n## Ranks\n\n| rank | host | device | verdict | reasons |\n| ---: | --- | --- | --- | --- |\n";
  for (const auto& x : r.ranks) {
    std::string why;
    for (const auto& w : x.plain) why += (why.empty() ? "" : "<br>") + EscapeMarkdown(w);
    o += fmt::format("| {} | {} | {} | **{}** | {} |\n", x.rank, EscapeMarkdown(x.host), EscapeMarkdown(x.device),
                     VerdictName(x.verdict), why);
  }
  o += "\n## Checks\n\n| check | unit | measured | expected | bound | verdict | reason |\n"
       "| --- | --- | ---: | ---: | --- | --- | --- |\n";
  for (const auto& u : r.units) {
    const Check& c = r.suite.checks[static_cast<size_t>(u.check)];
    const Dimension d = c.judge.dimension;
    o += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", EscapeMarkdown(c.name), EscapeMarkdown(u.label),
                     u.verdict.verdict == Verdict::kSkipped || c.is_health() ? "-" : Q(u.verdict.value, d),
                     u.verdict.expected > 0 ? Q(u.verdict.expected, d) : "-", EscapeMarkdown(u.verdict.bound),
                     VerdictName(u.verdict.verdict), EscapeMarkdown(u.verdict.reason));
  }
  if (HasModel(r)) {
    o += "\n## Measured against the model\n\n| check | unit | measured | model | measured/model | how |\n"
         "| --- | --- | ---: | ---: | ---: | --- |\n";
    for (const auto& u : r.units) {
      if (u.verdict.model <= 0) continue;
      const Check& c = r.suite.checks[static_cast<size_t>(u.check)];
      const Dimension d = c.judge.dimension;
      o += fmt::format("| {} | {} | {} | {} | {:.3g} | {} |\n", EscapeMarkdown(c.name), EscapeMarkdown(u.label),
                       Q(u.verdict.value, d), Q(u.verdict.model, d), u.verdict.model_ratio(),
                       EscapeMarkdown(u.verdict.model_how));
    }
  }
  return o;
}

}  // namespace

std::string ReportMarkdown(const ValidationReport& r) {
  return MarkdownHeader(r) + MarkdownProvenanceAndInventory(r) + MarkdownSummary(r) + MarkdownNodes(r) +
         MarkdownRanksAndChecks(r) + FabricMarkdown(r);
}

std::map<std::string, std::string> PrometheusFiles(const ValidationReport& r) {
  std::map<std::string, std::string> files;
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto verdict_code = [](Verdict v) {
    // 0 PASS, 1 WARN, 2 FAIL, 3 SKIPPED (nothing judged): the exit-code scale.
    return v == Verdict::kPass ? 0 : v == Verdict::kWarn ? 1 : v == Verdict::kFail ? 2 : 3;
  };
  for (const auto& n : r.nodes) {
    std::string name = "clusterbench_validate_";
    for (char c : n.node)
      name += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-') ? c : '_';
    name += ".prom";
    const std::string base = fmt::format("suite=\"{}\",node=\"{}\",host=\"{}\"", LabelPromValue(r.suite.name),
                                         LabelPromValue(n.node), LabelPromValue(n.host));
    std::string o;
    o += "# HELP clusterbench_validate_verdict Node verdict of the last acceptance run: 0 PASS, 1 WARN, 2 FAIL, 3 "
         "SKIPPED.\n# TYPE clusterbench_validate_verdict gauge\n";
    o += fmt::format("clusterbench_validate_verdict{{{},partial=\"{}\"}} {}\n", base, r.partial ? "true" : "false",
                     verdict_code(n.verdict));
    o += "# HELP clusterbench_validate_check_value Best measured value of a check on this node (SI units: FLOP/s or "
         "B/s).\n# TYPE clusterbench_validate_check_value gauge\n";
    std::string expected =
        "# HELP clusterbench_validate_check_expected The value the check had to reach (SI units).\n"
        "# TYPE clusterbench_validate_check_expected gauge\n";
    std::string model =
        "# HELP clusterbench_validate_check_model What the model expects of the unit (threshold.fraction_of_model; SI "
        "units).\n# TYPE clusterbench_validate_check_model gauge\n";
    bool any_model = false;
    std::string pass =
        "# HELP clusterbench_validate_check_pass 1 when the check passed on this unit, 0 when it did "
        "not (skipped units are absent).\n# TYPE clusterbench_validate_check_pass gauge\n";
    for (const auto& u : r.units) {
      bool mine = u.node == n.node;
      for (int x : u.ranks) mine |= std::find(n.ranks.begin(), n.ranks.end(), x) != n.ranks.end();
      if (!mine || u.verdict.verdict == Verdict::kSkipped) continue;
      const Check& c = r.suite.checks[static_cast<size_t>(u.check)];
      std::string labels =
          fmt::format("{},check=\"{}\",benchmark=\"{}\",unit=\"{}\",device=\"{}\"", base, LabelPromValue(c.name),
                      c.benchmark, LabelPromValue(u.label), LabelPromValue(u.device));
      o += fmt::format("clusterbench_validate_check_value{{{}}} {:.6g}\n", labels, u.verdict.value);
      expected += fmt::format("clusterbench_validate_check_expected{{{}}} {:.6g}\n", labels, u.verdict.expected);
      pass += fmt::format("clusterbench_validate_check_pass{{{}}} {}\n", labels,
                          u.verdict.verdict == Verdict::kPass ? 1 : 0);
      if (u.verdict.model > 0) {
        any_model = true;
        model += fmt::format("clusterbench_validate_check_model{{{}}} {:.6g}\n", labels, u.verdict.model);
      }
    }
    o += expected + (any_model ? model : "") + pass;
    o += "# HELP clusterbench_validate_info The run's provenance as labels (value 1).\n"
         "# TYPE clusterbench_validate_info gauge\n";
    o += fmt::format("clusterbench_validate_info{{{},version=\"{}\",revision=\"{}\",suite_sha256=\"{}\"}} 1\n", base,
                     LabelPromValue(r.provenance.tool_version), LabelPromValue(r.provenance.git_revision),
                     LabelPromValue(r.suite.file_sha256));
    o += "# HELP clusterbench_validate_timestamp_seconds When the acceptance run ended (Unix time).\n"
         "# TYPE clusterbench_validate_timestamp_seconds gauge\n";
    o += fmt::format("clusterbench_validate_timestamp_seconds{{{}}} {:.0f}\n", base, now);
    files[name] = o;
  }
  return files;
}

}  // namespace cb::acc
