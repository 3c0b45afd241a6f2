// The evidence tables of a validate run (report.h EvidenceTables): one
// function per HDF5 table, each declaring its columns beside the rows it
// fills, so the names, units and descriptions cannot drift from the values.
#include <fmt/format.h>

#include <string>
#include <utility>
#include <vector>

#include "acceptance/fabric_report.h"
#include "acceptance/internal/report.h"
#include "acceptance/report.h"
#include "core/units.h"

namespace cb::acc {

namespace {

std::string JoinRanks(const std::vector<int>& v) {
  std::string s;
  for (int x : v) s += (s.empty() ? "" : ",") + std::to_string(x);
  return s;
}

// A list in one string cell: each item once, `sep` between them.
std::string JoinLines(const std::vector<std::string>& v, const char* sep = "\n") {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

// Figures in one string cell, each in the shortest text that reads back to it.
std::string JoinFigures(const std::vector<double>& v) {
  std::string s;
  for (double x : v) s += (s.empty() ? "" : ",") + fmt::format("{}", x);
  return s;
}

std::string FailureNames(const std::vector<Failure>& failures) {
  std::string s;
  for (Failure f : failures) s += (s.empty() ? "" : ",") + std::string(FailureName(f));
  return s;
}

// Every measurement: one row per check, unit and round.
Table MeasurementsTable(const ValidationReport& r) {
  using CT = ColumnType;
  Table meas("validate_measurements", "every measurement: one row per check, unit and round",
             {{"check", CT::kString, "", "check name"},
              {"benchmark", CT::kString, "", "gemm, stream, all_reduce, ..."},
              {"scope", CT::kString, "", "device, node or fabric"},
              {"unit", CT::kString, "", "what was measured: device, node or group"},
              {"ranks", CT::kString, "", "ranks of the unit"},
              {"host", CT::kString, "", "host name(s)"},
              {"node", CT::kString, "", "node (host, or host:rank)"},
              {"device", CT::kString, "", "device"},
              {"round", CT::kInt64, "1", "measurement round (repeats)"},
              {"value", CT::kFloat64, "", "measured figure; units in the units column"},
              {"units", CT::kString, "", "FLOP/s or B/s"},
              {"median_time", CT::kFloat64, "s", "median time of one operation"},
              {"min_time", CT::kFloat64, "s", "fastest operation"},
              {"max_time", CT::kFloat64, "s", "slowest operation"},
              {"iqr_spread", CT::kFloat64, "1", "interquartile range / median of the samples"},
              {"samples", CT::kInt64, "1", "timed operations (collectives: iterations)"},
              {"checked", CT::kInt64, "1", "elements verified"},
              {"wrong", CT::kInt64, "1", "elements that failed verification"},
              {"interrupted", CT::kInt64, "1", "1 when a signal cut the measurement short"}});
  for (const auto& u : r.units) {
    const Check& c = r.suite.checks[static_cast<size_t>(u.check)];
    const std::string units = SiUnit(c.judge.dimension);
    for (size_t i = 0; i < u.rounds.size(); ++i) {
      const Round& x = u.rounds[i];
      meas.AddRow({c.name, c.benchmark, std::string(ScopeName(c.scope)), u.label, JoinRanks(u.ranks), u.host, u.node,
                   u.device, static_cast<int64_t>(i), x.value, units, x.median_s, x.min_s, x.max_s, x.iqr_spread,
                   x.samples, x.checked, x.wrong, int64_t{x.interrupted ? 1 : 0}});
    }
  }
  return meas;
}

// One row per check and unit: the verdict and why.
Table VerdictsTable(const ValidationReport& r) {
  using CT = ColumnType;
  Table verd("validate_verdicts", "one row per check and unit: the verdict and why",
             {{"check", CT::kString, "", "check name"},
              {"unit", CT::kString, "", "device, node or group"},
              {"ranks", CT::kString, "", "ranks of the unit"},
              {"node", CT::kString, "", "node"},
              {"device", CT::kString, "", "device"},
              {"verdict", CT::kString, "", "PASS, WARN, FAIL or SKIPPED"},
              {"severity", CT::kString, "", "warn or critical"},
              {"value", CT::kFloat64, "", "best round (units column)"},
              {"expected", CT::kFloat64, "", "highest bound the unit had to reach (0: none)"},
              {"bound", CT::kString, "", "absolute, spec, relative or outlier"},
              {"units", CT::kString, "", "FLOP/s or B/s"},
              {"rounds", CT::kInt64, "1", "measurement rounds"},
              {"missed_rounds", CT::kInt64, "1", "rounds below a bound"},
              {"reason", CT::kString, "", "measured against expected, or why skipped"},
              // Appended (issue 18): threshold.fraction_of_model.
              {"model", CT::kFloat64, "", "what the model expects of the unit (units column; 0: no model)"},
              {"model_ratio", CT::kFloat64, "1", "value / model (0: no model)"},
              {"model_how", CT::kString, "", "how the model's figure was derived, or why there is none"},
              // Appended (issue 16, point 3): what validate's JSON had beside the table.
              {"benchmark", CT::kString, "", "gemm, stream, all_reduce, ..."},
              {"scope", CT::kString, "", "device, node or fabric"},
              {"wrong", CT::kInt64, "1", "elements that failed verification, all rounds"},
              {"values", CT::kString, "", "the figure of each round judged, comma-separated (units column)"},
              {"plain", CT::kString, "", "the reason in plain words"},
              {"failure", CT::kString, "", "class of failure (slow, wrong-results, ...; none when it passed)"}});
  for (const auto& u : r.units) {
    const Check& c = r.suite.checks[static_cast<size_t>(u.check)];
    const std::string units = SiUnit(c.judge.dimension);
    verd.AddRow({c.name,
                 u.label,
                 JoinRanks(u.ranks),
                 u.node,
                 u.device,
                 std::string(VerdictName(u.verdict.verdict)),
                 std::string(SeverityName(c.judge.severity)),
                 u.verdict.value,
                 u.verdict.expected,
                 u.verdict.bound,
                 units,
                 int64_t{u.verdict.rounds},
                 int64_t{u.verdict.missed_rounds},
                 u.verdict.reason,
                 u.verdict.model,
                 u.verdict.model_ratio(),
                 u.verdict.model_how,
                 c.benchmark,
                 std::string(ScopeName(c.scope)),
                 u.data.wrong,
                 JoinFigures(u.data.values),
                 u.verdict.plain,
                 std::string(FailureName(u.verdict.failure))});
  }
  return verd;
}

// One row per rank: identity and verdict.
Table RanksTable(const ValidationReport& r) {
  using CT = ColumnType;
  Table ranks("validate_ranks", "one row per rank: identity and verdict",
              {{"rank", CT::kInt64, "1", "rank"},
               {"host", CT::kString, "", "host name"},
               {"node", CT::kString, "", "node"},
               {"device", CT::kString, "", "device(s)"},
               {"cpu_model", CT::kString, "", "host CPU"},
               {"verdict", CT::kString, "", "PASS, WARN, FAIL or SKIPPED"},
               {"reasons", CT::kString, "", "one per line"},
               {"plain", CT::kString, "", "the reasons in plain words, one per line (appended)"}});
  for (const auto& x : r.ranks) {
    ranks.AddRow({int64_t{x.rank}, x.host, x.node, x.device, x.cpu_model, std::string(VerdictName(x.verdict)),
                  JoinLines(x.reasons), JoinLines(x.plain)});
  }
  return ranks;
}

// The GPUs each rank reported.
Table DevicesTable(const ValidationReport& r) {
  using CT = ColumnType;
  Table devs("validate_devices", "device identities: one row per GPU each rank reported",
             {{"rank", CT::kInt64, "1", "rank that reported it"},
              {"host", CT::kString, "", "host name"},
              {"index", CT::kInt64, "1", "index on the node"},
              {"name", CT::kString, "", "driver's device name"},
              {"uuid", CT::kString, "", "GPU UUID"},
              {"pci_bus_id", CT::kString, "", "PCI bus id"},
              {"serial", CT::kString, "", "board serial"}});
  for (const auto& x : r.ranks) {
    for (const auto& d : x.devices) {
      devs.AddRow({int64_t{x.rank}, x.host, int64_t{d.index}, d.name, d.uuid, d.pci_bus_id, d.serial});
    }
  }
  return devs;
}

// Library and driver versions per rank.
Table VersionsTable(const ValidationReport& r) {
  using CT = ColumnType;
  Table vers("validate_versions", "library and driver versions per rank",
             {{"rank", CT::kInt64, "1", "rank"},
              {"host", CT::kString, "", "host name"},
              {"key", CT::kString, "", "blas, mpi, driver, cuda, nccl, hdf5, ..."},
              {"value", CT::kString, "", "version"}});
  for (const auto& x : r.ranks) {
    for (const auto& [k, v] : x.versions) vers.AddRow({int64_t{x.rank}, x.host, k, v});
  }
  return vers;
}

// One row per node: its verdict and why.
Table NodesTable(const ValidationReport& r) {
  using CT = ColumnType;
  Table nodes("validate_nodes", "one row per node: verdict",
              {{"node", CT::kString, "", "node"},
               {"host", CT::kString, "", "host name"},
               {"ranks", CT::kString, "", "its ranks"},
               {"verdict", CT::kString, "", "PASS, WARN, FAIL or SKIPPED"},
               {"reasons", CT::kString, "", "one per line"},
               // Appended (issue 16, point 3).
               {"plain", CT::kString, "", "the reasons in plain words, one per line"},
               {"failures", CT::kString, "", "classes of its non-PASS units, comma-separated (next steps)"}});
  for (const auto& n : r.nodes) {
    nodes.AddRow({n.node, n.host, JoinRanks(n.ranks), std::string(VerdictName(n.verdict)), JoinLines(n.reasons),
                  JoinLines(n.plain), FailureNames(n.failures)});
  }
  return nodes;
}

// The cluster figures by section.
Table SummaryTable(const ValidationReport& r) {
  using CT = ColumnType;
  Table sum("validate_summary", "cluster figures by section (compute scale, memory, communication, availability)",
            {{"section", CT::kString, "", "compute scale, memory, communication performance, availability"},
             {"name", CT::kString, "", "figure"},
             {"value", CT::kFloat64, "", "measured (units column)"},
             {"units", CT::kString, "", "FLOP/s, B/s or 1"},
             {"nameplate", CT::kFloat64, "", "what the datasheet promises for the same units (0: unknown)"},
             {"description", CT::kString, "", "how it is obtained"},
             {"over", CT::kString, "", "passing nodes, all nodes, or empty (not a sum over nodes)"},
             {"fraction_of_nameplate", CT::kFloat64, "1", "value / nameplate (0: unknown nameplate; appended)"}});
  for (const auto& f : r.summary) {
    sum.AddRow({f.section, f.name, f.value, f.units, f.nameplate, f.description, f.over,
                f.nameplate > 0 ? f.value / f.nameplate : 0.0});
  }
  return sum;
}

// What makes the report evidence: when, which tool, which suite, which command.
Table ProvenanceTable(const ValidationReport& r) {
  using CT = ColumnType;
  Table prov("validate_provenance", "what makes the report evidence: when, which tool, which suite, which command",
             {{"key", CT::kString, "",
               "started_utc, finished_utc, tool_version, git_revision, build_type, "
               "command_line, suite, suite_file, suite_sha256, effective_suite_sha256, host"},
              {"value", CT::kString, "", "its value (times ISO 8601, UTC)"}});
  const Provenance& p = r.provenance;
  for (const auto& [k, v] :
       std::vector<std::pair<std::string, std::string>>{{"started_utc", p.started_utc},
                                                        {"finished_utc", p.finished_utc},
                                                        {"tool_version", p.tool_version},
                                                        {"git_revision", p.git_revision},
                                                        {"build_type", p.build_type},
                                                        {"command_line", p.command_line},
                                                        {"suite", r.suite.name},
                                                        {"suite_file", r.suite.file},
                                                        {"suite_sha256", r.suite.file_sha256},
                                                        {"effective_suite_sha256", r.suite.yaml_sha256},
                                                        {"host", p.host},
                                                        {"control_plane", r.backend}}) {
    prov.AddRow({k, v});
  }
  return prov;
}

// One row per host: what the node is.
Table InventoryTable(const ValidationReport& r) {
  using CT = ColumnType;
  Table inv("validate_inventory", "one row per host: what the node is",
            {{"host", CT::kString, "", "host name"},
             {"cpu_model", CT::kString, "", "CPU model"},
             {"cpu_sockets", CT::kInt64, "1", "sockets"},
             {"cpu_cores", CT::kInt64, "1", "physical cores"},
             {"cpu_threads", CT::kInt64, "1", "logical CPUs online"},
             {"memory", CT::kInt64, "B", "memory (MemTotal)"},
             {"os", CT::kString, "", "operating system"},
             {"kernel", CT::kString, "", "kernel (uname)"},
             {"gpus", CT::kInt64, "1", "GPUs seen"},
             {"gpu_note", CT::kString, "", "why no GPU is seen"},
             {"versions", CT::kString, "", "driver and library versions, key=value;..."}});
  for (const auto& n : r.inventory) {
    std::string versions;
    for (const auto& [k, v] : n.versions) versions += (versions.empty() ? "" : ";") + k + "=" + v;
    inv.AddRow({n.hostname, n.cpu_model, int64_t{n.cpu_sockets}, int64_t{n.cpu_cores}, int64_t{n.cpu_threads},
                n.memory_bytes, n.os, n.kernel, static_cast<int64_t>(n.gpus.size()), n.gpu_note, versions});
  }
  return inv;
}

// One row per GPU of each host.
Table InventoryGpusTable(const ValidationReport& r) {
  using CT = ColumnType;
  Table invg("validate_inventory_gpus", "one row per GPU of each host",
             {{"host", CT::kString, "", "host name"},
              {"index", CT::kInt64, "1", "index on the host"},
              {"name", CT::kString, "", "driver's device name"},
              {"uuid", CT::kString, "", "GPU UUID"},
              {"pci_bus_id", CT::kString, "", "PCI bus id"},
              {"serial", CT::kString, "", "board serial"},
              {"vbios", CT::kString, "", "VBIOS version"},
              {"memory", CT::kInt64, "B", "device memory"},
              {"compute_capability", CT::kString, "", "major.minor"},
              // Appended (issue 16, point 3): the rest of what the node reported.
              {"sm_count", CT::kInt64, "1", "streaming multiprocessors"},
              {"l2_cache", CT::kInt64, "B", "L2 cache"},
              {"sm_clock_max", CT::kFloat64, "Hz", "maximum SM clock"},
              {"memory_clock_max", CT::kFloat64, "Hz", "maximum memory clock"},
              {"sm_clock", CT::kFloat64, "Hz", "current SM clock (0: unknown)"},
              {"temperature", CT::kFloat64, "degC", "temperature (-1: unknown)"},
              {"power", CT::kFloat64, "W", "power draw (-1: unknown)"},
              {"power_limit", CT::kFloat64, "W", "power limit (-1: unknown)"}});
  for (const auto& n : r.inventory) {
    for (const auto& g : n.gpus) {
      invg.AddRow({n.hostname, int64_t{g.index}, g.name, g.uuid, g.pci_bus_id, g.serial, g.vbios, g.memory_bytes,
                   fmt::format("{}.{}", g.compute_capability_major, g.compute_capability_minor), int64_t{g.sm_count},
                   g.l2_cache_bytes, g.sm_clock_max_hz, g.memory_clock_max_hz, g.sm_clock_hz, g.temperature_c,
                   g.power_w, g.power_limit_w});
    }
  }
  return invg;
}

// The run's verdict.
Table StatusTable(const ValidationReport& r) {
  using CT = ColumnType;
  Table status("validate_status", "the run's verdict",
               {{"status", CT::kString, "", "OK, WARN, CRITICAL or UNKNOWN"},
                {"exit_code", CT::kInt64, "1", "0, 1, 2 or 3"},
                {"partial", CT::kInt64, "1", "1 when interrupted"},
                {"devices_passing", CT::kInt64, "1", ""},
                {"devices_total", CT::kInt64, "1", ""},
                {"nodes_passing", CT::kInt64, "1", ""},
                {"nodes_total", CT::kInt64, "1", ""},
                // Appended (issue 16, point 3): the rest of the run's verdict.
                {"verdict", CT::kString, "", "the worst unit verdict (PASS, WARN, FAIL, SKIPPED; UNKNOWN with exit 3)"},
                {"process_exit_code", CT::kInt64, "1", "validate's exit code: exit_code, 130 interrupted, 6 watchdog"},
                {"partial_reason", CT::kString, "", "why the run was cut short (empty: it was not)"},
                {"banner", CT::kString, "", "the one-line verdict every format shows"},
                {"elapsed", CT::kFloat64, "s", "the run's time"},
                {"availability", CT::kFloat64, "1", "devices_passing / devices_total (0: no device)"},
                {"suite_gpu", CT::kString, "", "the GPU the suite is for (empty: none)"}});
  status.AddRow({r.status.name, int64_t{r.status.exit_code}, int64_t{r.partial ? 1 : 0}, int64_t{r.devices_passing},
                 int64_t{r.devices_total}, int64_t{r.nodes_passing}, int64_t{r.nodes_total},
                 std::string(OverallVerdict(r)), int64_t{ProcessExitCode(r)}, r.partial ? r.partial_reason : "",
                 Headline(r), r.elapsed_s,
                 r.devices_total ? static_cast<double>(r.devices_passing) / r.devices_total : 0.0, r.suite.gpu_name});
  return status;
}

// The next step per class of failure present, with the nodes it concerns.
Table NextStepsTable(const ValidationReport& r) {
  using CT = ColumnType;
  Table t("validate_next_steps", "one row per class of failure present: what to do next, and for which nodes",
          {{"failure", CT::kString, "", "class of failure (slow, wrong-results, ...)"},
           {"title", CT::kString, "", "the class in words"},
           {"next_step", CT::kString, "", "what to do next"},
           {"nodes", CT::kString, "", "the nodes concerned, comma-separated"}});
  for (const auto& st : internal::NextSteps(r)) {
    t.AddRow({std::string(st.advice->name), std::string(st.advice->title), std::string(st.advice->next_step),
              JoinLines(st.nodes, ",")});
  }
  return t;
}

// The failed nodes, once per host: what --drain-cmd runs for, and Slurm's drain line.
Table FailedHostsTable(const ValidationReport& r) {
  using CT = ColumnType;
  Table t("validate_failed_hosts", "one row per host with a failed node: the drain reason and Slurm's drain line",
          {{"node", CT::kString, "", "the host's first failed node"},
           {"host", CT::kString, "", "host name"},
           {"reason", CT::kString, "", "the checks that failed there, each with its class"},
           {"slurm_drain", CT::kString, "", "scontrol update nodename=HOST state=drain reason=\"...\""}});
  for (const auto& f : FailedNodes(r)) t.AddRow({f.node, f.host, f.reason, SlurmDrainLine(f)});
  return t;
}

}  // namespace

std::vector<Table> EvidenceTables(const ValidationReport& r) {
  std::vector<Table> tables{StatusTable(r),     VerdictsTable(r),  MeasurementsTable(r),  RanksTable(r),
                            NodesTable(r),      DevicesTable(r),   VersionsTable(r),      SummaryTable(r),
                            ProvenanceTable(r), InventoryTable(r), InventoryGpusTable(r), NextStepsTable(r),
                            FailedHostsTable(r)};
  for (auto& t : FabricTables(r)) tables.push_back(std::move(t));
  return tables;
}

}  // namespace cb::acc
