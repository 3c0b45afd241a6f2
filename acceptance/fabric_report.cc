// The fabric localisation part of the reports: see fabric_report.h.
#include "acceptance/fabric_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "core/markup.h"
#include "core/stats.h"
#include "core/svg_chart.h"
#include "core/units.h"

namespace cb::acc {
namespace {

std::string Bw(double v) { return FormatQuantity(v, Dimension::kBandwidth, 4); }

std::string NodeName(const ValidationReport& r, int i) {
  return i >= 0 && i < static_cast<int>(r.fabric_nodes.size()) ? r.fabric_nodes[static_cast<size_t>(i)]
                                                               : std::to_string(i);
}

std::string GroupNames(const ValidationReport& r, const std::vector<int>& g) {
  std::string o;
  for (int x : g) o += (o.empty() ? "" : ",") + NodeName(r, x);
  return o;
}

// The pair matrix of one check and rail: the median of each pair's rounds
// (NaN where a pair was not measured), as localisation judges it.
std::vector<std::vector<double>> Matrix(const ValidationReport& r, int check, int rail) {
  const size_t n = r.fabric_nodes.size();
  std::map<std::pair<int, int>, std::vector<double>> by_pair;
  for (const auto& p : r.pairs) {
    if (p.check == check && p.rail == rail && p.value > 0) by_pair[{p.a, p.b}].push_back(p.value);
  }
  std::vector<std::vector<double>> m(n, std::vector<double>(n, NAN));
  for (const auto& [ab, v] : by_pair) {
    const auto [a, b] = ab;
    if (a < 0 || b < 0 || static_cast<size_t>(a) >= n || static_cast<size_t>(b) >= n) continue;
    m[static_cast<size_t>(a)][static_cast<size_t>(b)] = m[static_cast<size_t>(b)][static_cast<size_t>(a)] = Median(v);
  }
  return m;
}

// Checks with pairs, and the rails each measured.
std::map<int, int> PairChecks(const ValidationReport& r) {
  std::map<int, int> rails;
  for (const auto& p : r.pairs) rails[p.check] = std::max(rails[p.check], p.rail + 1);
  return rails;
}

const std::string& CheckName(const ValidationReport& r, int check) {
  return r.suite.checks[static_cast<size_t>(check)].name;
}

// "pairs: 7 slow pair(s) after the rounds (2 batches per round), measured 6 more
// time(s) in 42 confirmation round(s): 7 confirmed slow, 0 cleared".
std::string ConfirmationLine(const ValidationReport& r, const PairConfirmation& c) {
  const std::string batches = c.batches > 1 ? fmt::format(" ({} batches per round)", c.batches) : "";
  if (c.selected == 0)
    return fmt::format("{}: no pair slow after the rounds{}: nothing to confirm", CheckName(r, c.check), batches);
  if (c.rounds == 0) {
    return fmt::format("{}: {} slow pair(s) after the rounds{}, not confirmed ({})", CheckName(r, c.check), c.selected,
                       batches, c.enabled ? "interrupted" : "confirm: false");
  }
  return fmt::format(
      "{}: {} slow pair(s) after the rounds{}, measured {} more time(s) in {} confirmation round(s): {} confirmed "
      "slow, {} cleared",
      CheckName(r, c.check), c.selected, batches, c.repeats, c.rounds, c.confirmed, c.cleared);
}

}  // namespace

std::string CulpritEvidence(const FabricCulprit& f) {
  return fmt::format("{} of {} {} slow", f.supporting, f.examined,
                     f.method == CulpritMethod::kPairs ? "pairs" : "groups with it");
}

std::string FabricText(const ValidationReport& r) {
  if (r.pairs.empty() && r.culprits.empty() && r.bisections.empty()) return "";
  std::string o = "## fabric localisation\n";
  for (const auto& [check, rails] : PairChecks(r)) {
    std::vector<double> v;
    size_t rounds = 0;
    for (const auto& p : r.pairs) {
      if (p.check != check) continue;
      if (p.value > 0) v.push_back(p.value);
      rounds = std::max(rounds, static_cast<size_t>(p.round + 1));
    }
    o += fmt::format("   {}: {} pair measurement(s) of {} node(s) on {} rail(s) in {} round(s), median {} each way\n",
                     CheckName(r, check), v.size(), r.fabric_nodes.size(), rails, rounds,
                     v.empty() ? "-" : Bw(Median(v)));
  }
  for (const auto& c : r.confirmations) o += "   " + ConfirmationLine(r, c) + "\n";
  for (const auto& b : r.bisections) {
    const double n = static_cast<double>(r.fabric_nodes.size());
    o += fmt::format(
        "   {}: bisection of {} node(s) in {} round(s) (one culprit, with confirmations: about 2 log2 N = {:.0f} "
        "for a node, 3 log2 N = {:.0f} for a link){}\n",
        CheckName(r, b.check), r.fabric_nodes.size(), b.rounds.size(), 2 * std::ceil(std::log2(n)),
        3 * std::ceil(std::log2(n)), b.note.empty() ? "" : "; " + b.note);
    for (size_t i = 0; i < b.rounds.size(); ++i) {
      const auto& x = b.rounds[i];
      std::string line;
      for (size_t g = 0; g < x.groups.size(); ++g) {
        line += fmt::format("{}{{{}}} {}{}", line.empty() ? "" : ", ", GroupNames(r, x.groups[g]), Bw(x.figures[g]),
                            x.slow[g] ? " SLOW" : "");
      }
      o += fmt::format("      round {} ({}): {}\n", i + 1, x.purpose, line);
    }
  }
  for (const auto& f : r.culprits) {
    o += fmt::format("   culprit ({}, {}): {} {}: {} ({})\n", CheckName(r, f.check), CulpritMethodName(f.method),
                     CulpritKindName(f.kind), f.name, f.reason, CulpritEvidence(f));
  }
  if (r.culprits.empty()) o += "   no culprit named\n";
  return o;
}

std::string FabricMarkdown(const ValidationReport& r) {
  if (r.pairs.empty() && r.culprits.empty() && r.bisections.empty()) return "";
  std::string o = "\n## Fabric localisation\n\n";
  if (r.culprits.empty()) {
    o += "No culprit named.\n";
  } else {
    o += "| check | method | culprit | evidence | reason |\n| --- | --- | --- | --- | --- |\n";
    for (const auto& f : r.culprits) {
      o += fmt::format("| {} | {} | **{} {}** | {} | {} |\n", EscapeMarkdown(CheckName(r, f.check)),
                       CulpritMethodName(f.method), CulpritKindName(f.kind), EscapeMarkdown(f.name), CulpritEvidence(f),
                       EscapeMarkdown(f.reason));
    }
  }
  if (!r.confirmations.empty()) o += "\n";
  for (const auto& c : r.confirmations) o += EscapeMarkdown(ConfirmationLine(r, c)) + "\n\n";
  for (const auto& b : r.bisections) {
    o += fmt::format("\n### Bisection: {} ({} round(s))\n\n", EscapeMarkdown(CheckName(r, b.check)), b.rounds.size());
    if (!b.note.empty()) o += EscapeMarkdown(b.note) + "\n\n";
    o += "| round | purpose | groups (figure, SLOW when below the round's bound) |\n| ---: | --- | --- |\n";
    for (size_t i = 0; i < b.rounds.size(); ++i) {
      const auto& x = b.rounds[i];
      std::string line;
      for (size_t g = 0; g < x.groups.size(); ++g) {
        line += fmt::format("{}{{{}}} {}{}", line.empty() ? "" : "; ", EscapeMarkdown(GroupNames(r, x.groups[g])),
                            Bw(x.figures[g]), x.slow[g] ? " **SLOW**" : "");
      }
      o += fmt::format("| {} | {} | {} |\n", i + 1, EscapeMarkdown(x.purpose), line);
    }
  }
  constexpr size_t kMaxMatrix = 32;
  for (const auto& [check, rails] : PairChecks(r)) {
    for (int rail = 0; rail < rails; ++rail) {
      o += fmt::format("\n### Pairs: {}, rail {} (GB/s each way, median of each pair's rounds)\n\n",
                       EscapeMarkdown(CheckName(r, check)), rail);
      if (r.fabric_nodes.size() > kMaxMatrix) {
        o += fmt::format("{} nodes: the matrix is in the HTML report and the evidence (validate_pairs).\n",
                         r.fabric_nodes.size());
        continue;
      }
      const auto m = Matrix(r, check, rail);
      o += "| |";
      for (const auto& name : r.fabric_nodes) o += " " + EscapeMarkdown(name) + " |";
      o += "\n| --- |";
      for (size_t i = 0; i < r.fabric_nodes.size(); ++i) o += " ---: |";
      o += "\n";
      for (size_t a = 0; a < m.size(); ++a) {
        o += "| " + EscapeMarkdown(r.fabric_nodes[a]) + " |";
        for (size_t b = 0; b < m.size(); ++b) {
          o += std::isnan(m[a][b]) ? " |" : fmt::format(" {:.3g} |", m[a][b] / 1e9);
        }
        o += "\n";
      }
    }
  }
  return o;
}

std::string FabricHtml(const ValidationReport& r) {
  if (r.pairs.empty() && r.culprits.empty() && r.bisections.empty()) return "";
  std::string o = "<h2>Fabric localisation</h2>\n";
  for (const auto& [check, rails] : PairChecks(r)) {
    const Check& c = r.suite.checks[static_cast<size_t>(check)];
    for (int rail = 0; rail < rails; ++rail) {
      // Past kMaxCells nodes a cell is a block of nodes (its slowest pair,
      // so a culprit stays dark), keeping the page small: 4,096 nodes would
      // otherwise be 16 million cells.
      constexpr size_t kMaxCells = 96;
      const auto m = Matrix(r, check, rail);
      const size_t n = m.size();
      const size_t block = (n + kMaxCells - 1) / kMaxCells;
      const size_t cells = block > 0 ? (n + block - 1) / block : 0;
      auto label = [&](size_t i) {
        const size_t first = i * block, last = std::min(n, first + block) - 1;
        return block == 1 ? r.fabric_nodes[first] : r.fabric_nodes[first] + " .. " + r.fabric_nodes[last];
      };
      HeatMap map;
      map.title = fmt::format("{}: pair bandwidth, rail {} ({}){}", c.name, rail, c.Describe(),
                              block > 1 ? fmt::format("; {} nodes per cell, its slowest pair", block) : "");
      map.x_axis = block > 1 ? "nodes (blocks)" : "node";
      map.y_axis = map.x_axis;
      map.scale_label = "bandwidth each way (GB/s), median of the pair's rounds";
      map.value_text = [](double v) { return fmt::format("{:.3g}", v); };
      map.values.assign(cells, std::vector<double>(cells, NAN));
      map.tooltips.assign(cells, std::vector<std::string>(cells));
      for (size_t i = 0; i < cells; ++i) map.labels.push_back(label(i));
      for (size_t a = 0; a < n; ++a) {
        for (size_t b = 0; b < n; ++b) {
          if (std::isnan(m[a][b])) continue;
          double& v = map.values[a / block][b / block];
          v = std::isnan(v) ? m[a][b] / 1e9 : std::min(v, m[a][b] / 1e9);
        }
      }
      for (size_t i = 0; i < cells; ++i) {
        for (size_t j = 0; j < cells; ++j) {
          const double v = map.values[i][j];
          map.tooltips[i][j] =
              block == 1 && i == j
                  ? fmt::format("{}: the node itself (outlined when it is a culprit)", label(i))
                  : fmt::format("{} - {}, rail {}: {}", label(i), label(j), rail,
                                std::isnan(v) ? "not measured"
                                              : Bw(v * 1e9) + (block > 1 ? " each way, slowest pair" : " each way"));
        }
      }
      for (const auto& f : r.culprits) {
        if (f.check != check) continue;
        if (!OfNode(f.kind) && f.a >= 0 && f.b >= 0 && (f.rail < 0 || f.rail == rail)) {
          map.marked.push_back({f.a / static_cast<int>(block), f.b / static_cast<int>(block)});
          map.marked.push_back({f.b / static_cast<int>(block), f.a / static_cast<int>(block)});
        } else if ((f.kind == CulpritKind::kNode || (f.kind == CulpritKind::kNic && f.rail == rail)) && f.node >= 0) {
          map.marked.push_back({f.node / static_cast<int>(block), f.node / static_cast<int>(block)});
        }
      }
      map.marked_label = "culprit: a pair, or on the diagonal a node or NIC";
      o += RenderHeatMap(map);
      o += "<p>Each cell is one pair of nodes: the bandwidth each way of one exchange between them (median of the "
           "pair's rounds). A node or NIC that is slow shows as a dark row and column; a slow link or pair as a dark "
           "cell in an otherwise bright row.</p>\n";
    }
  }
  o +=
      "<table id=\"culprits\"><tr><th>check</th><th>method</th><th>culprit</th><th>evidence</th><th>reason</th></tr>\n";
  for (const auto& f : r.culprits) {
    o += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"v-FAIL\">{} {}</td><td>{}</td><td>{}</td></tr>\n",
                     EscapeHtml(CheckName(r, f.check)), EscapeHtml(CulpritMethodName(f.method)),
                     EscapeHtml(CulpritKindName(f.kind)), EscapeHtml(f.name), EscapeHtml(CulpritEvidence(f)),
                     EscapeHtml(f.reason));
  }
  if (r.culprits.empty()) o += "<tr><td colspan=\"5\">no culprit named</td></tr>\n";
  o += "</table>\n";
  for (const auto& b : r.bisections) {
    o += fmt::format("<h3>Bisection: {} ({} round(s))</h3>\n", EscapeHtml(CheckName(r, b.check)), b.rounds.size());
    if (!b.note.empty()) o += "<p>" + EscapeHtml(b.note) + "</p>\n";
    o += "<table id=\"bisection\"><tr><th>round</th><th>purpose</th><th>groups</th></tr>\n";
    for (size_t i = 0; i < b.rounds.size(); ++i) {
      const auto& x = b.rounds[i];
      std::string line;
      for (size_t g = 0; g < x.groups.size(); ++g) {
        line += fmt::format("{}{{{}}} {}{}", line.empty() ? "" : "<br>", EscapeHtml(GroupNames(r, x.groups[g])),
                            Bw(x.figures[g]), x.slow[g] ? " <span class=\"v-FAIL\">SLOW</span>" : "");
      }
      o += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n", i + 1, EscapeHtml(x.purpose), line);
    }
    o += "</table>\n";
  }
  return o;
}

std::vector<Table> FabricTables(const ValidationReport& r) {
  if (r.pairs.empty() && r.culprits.empty() && r.bisections.empty()) return {};
  using CT = ColumnType;
  Table pairs("validate_pairs", "pairs check: one row per measured pair, rail and schedule round",
              {{"check", CT::kString, "", "check name"},
               {"round", CT::kInt64, "1", "schedule round (0-based; passes continue the count)"},
               {"rail", CT::kInt64, "1", "the ranks' index on their nodes"},
               {"a", CT::kInt64, "1", "node index (validate_nodes order of first ranks), a < b"},
               {"b", CT::kInt64, "1", "node index"},
               {"node_a", CT::kString, "", "node a"},
               {"node_b", CT::kString, "", "node b"},
               {"rank_a", CT::kInt64, "1", "rank on node a"},
               {"rank_b", CT::kInt64, "1", "rank on node b"},
               {"value", CT::kFloat64, "B/s", "bandwidth each way: bytes / time"},
               {"time", CT::kFloat64, "s", "the slower rank's exchange time (median, or fastest with statistic best)"},
               {"samples", CT::kInt64, "1", "timed exchanges"},
               {"wrong", CT::kInt64, "1", "bytes received that differ from what was sent"},
               {"batch", CT::kInt64, "1", "the batch of its round (suite key batches; 0 with one batch)"},
               {"confirm", CT::kInt64, "1", "1: measured by the confirmation round (a pair found slow, again)"},
               {"beside", CT::kFloat64, "B/s",
                "confirmation: the median figure of the healthy pairs measured beside the confirmation's (0: none); "
                "value is then bytes/time x the rail's median pair of the rounds / this"}});
  for (const auto& p : r.pairs) {
    pairs.AddRow({CheckName(r, p.check), int64_t{p.round}, int64_t{p.rail}, int64_t{p.a}, int64_t{p.b},
                  NodeName(r, p.a), NodeName(r, p.b), int64_t{p.rank_a}, int64_t{p.rank_b}, p.value, p.time_s,
                  p.samples, p.wrong, int64_t{p.batch}, int64_t{p.confirm ? 1 : 0}, p.beside});
  }
  Table culprits(
      "validate_culprits", "the culprits the fabric checks named, with their evidence",
      {{"check", CT::kString, "", "check name"},
       {"method", CT::kString, "", "pairs or bisection"},
       {"kind", CT::kString, "", "node, nic, link or pair"},
       {"name", CT::kString, "", "node, node/rail, link or A<->B"},
       {"node", CT::kInt64, "1", "node index, -1 for a link or pair"},
       {"rail", CT::kInt64, "1", "rail of a NIC, else -1"},
       {"supporting", CT::kInt64, "1", "slow pairs (groups) that support the verdict"},
       {"examined", CT::kInt64, "1", "pairs (groups) examined"},
       {"ratio", CT::kFloat64, "1", "its slow figure over the fleet's (median pair, or the round's median group)"},
       {"reason", CT::kString, "", "why, in plain words"},
       // Appended (issue 16, point 3).
       {"a", CT::kInt64, "1", "a link's or pair's first node index, else -1"},
       {"b", CT::kInt64, "1", "a link's or pair's second node index, else -1"}});
  for (const auto& f : r.culprits) {
    culprits.AddRow({CheckName(r, f.check), std::string(CulpritMethodName(f.method)),
                     std::string(CulpritKindName(f.kind)), f.name, int64_t{f.node}, int64_t{f.rail},
                     int64_t{f.supporting}, int64_t{f.examined}, f.ratio, f.reason, int64_t{f.a}, int64_t{f.b}});
  }
  Table bis("validate_bisection", "bisection: one row per group of each round",
            {{"check", CT::kString, "", "check name"},
             {"round", CT::kInt64, "1", "round (0-based)"},
             {"purpose", CT::kString, "", "halves, across, resolve"},
             {"group", CT::kString, "", "the group's nodes, comma-separated"},
             {"value", CT::kFloat64, "B/s", "the group's bus bandwidth (its slowest rank's time)"},
             {"slow", CT::kInt64, "1", "1 when below slow_ratio x the round's median group (or the bound)"}});
  for (const auto& b : r.bisections) {
    for (size_t i = 0; i < b.rounds.size(); ++i) {
      const auto& x = b.rounds[i];
      for (size_t g = 0; g < x.groups.size(); ++g) {
        bis.AddRow({CheckName(r, b.check), static_cast<int64_t>(i), x.purpose, GroupNames(r, x.groups[g]), x.figures[g],
                    int64_t{x.slow[g] ? 1 : 0}});
      }
    }
  }
  Table runs("validate_bisection_runs", "bisection: one row per check that bisected",
             {{"check", CT::kString, "", "check name"},
              {"rounds", CT::kInt64, "1", "rounds used"},
              {"triggered_by_failure", CT::kInt64, "1",
               "1: the whole job failed; 0: no absolute bound, so bisection judged it"},
              {"note", CT::kString, "", "what could not be settled, if anything"}});
  for (const auto& b : r.bisections) {
    runs.AddRow({CheckName(r, b.check), static_cast<int64_t>(b.rounds.size()), int64_t{b.triggered_by_failure ? 1 : 0},
                 b.note});
  }
  Table nodes("validate_fabric_nodes", "the fabric checks' nodes by index (the a, b and node columns)",
              {{"index", CT::kInt64, "1", "node index"}, {"node", CT::kString, "", "node"}});
  for (size_t i = 0; i < r.fabric_nodes.size(); ++i) nodes.AddRow({static_cast<int64_t>(i), r.fabric_nodes[i]});
  std::vector<Table> out = {pairs, culprits, bis, runs, nodes};
  if (!r.confirmations.empty()) {
    Table conf(
        "validate_confirmations", "pairs check: the confirmation of the pairs slow after the rounds",
        {{"check", CT::kString, "", "check name"},
         {"batches", CT::kInt64, "1", "batches per round (suite key batches)"},
         {"confirm", CT::kInt64, "1", "1 when the suite's confirm is on"},
         {"selected", CT::kInt64, "1", "(pair, rail)s slow after the rounds"},
         {"confirmed", CT::kInt64, "1", "of them, still slow with the confirmation's measurements"},
         {"cleared", CT::kInt64, "1", "of them, no longer slow"},
         {"rounds", CT::kInt64, "1", "confirmation rounds run"},
         {"repeats", CT::kInt64, "1", "times each selected pair was measured again"},
         {"confirmed_pairs", CT::kString, "", "the confirmed (pair, rail)s, A<->B/rail R, one per line (appended)"}});
    for (const auto& c : r.confirmations) {
      std::string pairs_text;
      for (const auto& p : c.confirmed_pairs) pairs_text += (pairs_text.empty() ? "" : "\n") + p;
      conf.AddRow({CheckName(r, c.check), int64_t{c.batches}, int64_t{c.enabled ? 1 : 0}, int64_t{c.selected},
                   int64_t{c.confirmed}, int64_t{c.cleared}, int64_t{c.rounds}, int64_t{c.repeats}, pairs_text});
    }
    out.push_back(conf);
  }
  return out;
}

std::string FabricHeadline(const ValidationReport& r) {
  std::string o;
  for (const auto& f : r.culprits) {
    if (OfNode(f.kind)) continue;  // the node list names them
    o += fmt::format("{}{} {}", o.empty() ? "" : ", ", CulpritKindName(f.kind), f.name);
  }
  return o;
}

}  // namespace cb::acc
