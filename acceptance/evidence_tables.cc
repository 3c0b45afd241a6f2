// The evidence tables of a validate run (report.h EvidenceTables): one
// function per HDF5 table, each declaring its columns beside the rows it
// fills, so the names, units and descriptions cannot drift from the values.
#include <fmt/format.h>

#include <string>
#include <utility>
#include <vector>

#include "acceptance/fabric_report.h"
#include "acceptance/report.h"
#include "core/units.h"

namespace cb::acc {

namespace {

std::string JoinRanks(const std::vector<int>& v) {
  std::string s;
  for (int x : v) s += (s.empty() ? "" : ",") + std::to_string(x);
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
              {"model_how", CT::kString, "", "how the model's figure was derived, or why there is none"}});
  for (const auto& u : r.units) {
    const Check& c = r.suite.checks[static_cast<size_t>(u.check)];
    const std::string units = SiUnit(c.judge.dimension);
    verd.AddRow({c.name, u.label, JoinRanks(u.ranks), u.node, u.device, std::string(VerdictName(u.verdict.verdict)),
                 std::string(SeverityName(c.judge.severity)), u.verdict.value, u.verdict.expected, u.verdict.bound,
                 units, int64_t{u.verdict.rounds}, int64_t{u.verdict.missed_rounds}, u.verdict.reason, u.verdict.model,
                 u.verdict.model_ratio(), u.verdict.model_how});
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
               {"reasons", CT::kString, "", "one per line"}});
  for (const auto& x : r.ranks) {
    std::string why;
    for (const auto& w : x.reasons) why += (why.empty() ? "" : "\n") + w;
    ranks.AddRow({int64_t{x.rank}, x.host, x.node, x.device, x.cpu_model, std::string(VerdictName(x.verdict)), why});
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
               {"reasons", CT::kString, "", "one per line"}});
  for (const auto& n : r.nodes) {
    std::string why;
    for (const auto& w : n.reasons) why += (why.empty() ? "" : "\n") + w;
    nodes.AddRow({n.node, n.host, JoinRanks(n.ranks), std::string(VerdictName(n.verdict)), why});
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
             {"over", CT::kString, "", "passing nodes, all nodes, or empty (not a sum over nodes)"}});
  for (const auto& f : r.summary) sum.AddRow({f.section, f.name, f.value, f.units, f.nameplate, f.description, f.over});
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
              {"compute_capability", CT::kString, "", "major.minor"}});
  for (const auto& n : r.inventory) {
    for (const auto& g : n.gpus) {
      invg.AddRow({n.hostname, int64_t{g.index}, g.name, g.uuid, g.pci_bus_id, g.serial, g.vbios, g.memory_bytes,
                   fmt::format("{}.{}", g.compute_capability_major, g.compute_capability_minor)});
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
                {"nodes_total", CT::kInt64, "1", ""}});
  status.AddRow({r.status.name, int64_t{r.status.exit_code}, int64_t{r.partial ? 1 : 0}, int64_t{r.devices_passing},
                 int64_t{r.devices_total}, int64_t{r.nodes_passing}, int64_t{r.nodes_total}});
  return status;
}

}  // namespace

std::vector<Table> EvidenceTables(const ValidationReport& r) {
  std::vector<Table> tables{StatusTable(r),     VerdictsTable(r),  MeasurementsTable(r), RanksTable(r),
                            NodesTable(r),      DevicesTable(r),   VersionsTable(r),     SummaryTable(r),
                            ProvenanceTable(r), InventoryTable(r), InventoryGpusTable(r)};
  for (auto& t : FabricTables(r)) tables.push_back(std::move(t));
  return tables;
}

}  // namespace cb::acc
