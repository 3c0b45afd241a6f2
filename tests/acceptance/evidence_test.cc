// Evidence-grade reports (issue 17, part 2): the suite's fingerprint, the
// banner that names failing nodes, plain reasons with a next step, delivered
// totals over passing nodes, and the drain hook's quoting.
#include <gtest/gtest.h>

#include "acceptance/health.h"
#include "acceptance/report.h"
#include "acceptance/runner.h"
#include "acceptance/suite.h"
#include "core/config.h"
#include "core/node_info.h"
#include "core/sha256.h"

namespace cb::acc {
namespace {

// FIPS 180-4 examples (NIST CSVP "SHA256ShortMsg"/"LongMsg" and the two
// classic vectors), including the 55/56/64-byte padding edges.
TEST(Sha256, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // 55 bytes fit one padded block, 56 need two.
  EXPECT_EQ(Sha256Hex(std::string(55, 'a')), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  EXPECT_EQ(Sha256Hex(std::string(56, 'a')), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  EXPECT_EQ(Sha256Hex(std::string(64, 'a')), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

// A suite loaded from a file carries its file's digest (what sha256sum prints).
TEST(Sha256, SuiteCarriesItsFileDigest) {
  ConfigLoader loader({std::string(CB_SOURCE_DIR) + "/configs"});
  Suite s = LoadSuite(loader, "host-cpu");
  EXPECT_EQ(s.file_sha256, Sha256OfFile(s.file));
  EXPECT_EQ(s.file_sha256.size(), 64u);
  EXPECT_EQ(s.yaml_sha256, Sha256Hex(s.yaml));
}

// The evidence table of that name (a test failure, not a crash, when absent).
const Table& TableNamed(const std::vector<Table>& tables, const std::string& name) {
  for (const Table& t : tables) {
    if (t.name() == name) return t;
  }
  ADD_FAILURE() << "no table " << name;
  static const Table kNone("none", "", {});
  return kNone;
}

// Four nodes; n2 is slow on gemm, n3 has wrong results. RollUp alone (no
// measurement): the banner names both, totals over passing nodes leave them out.
ValidationReport FourNodes() {
  ValidationReport r;
  r.suite.name = "host-cpu";
  Check c;
  c.name = "gemm-fp64";
  c.benchmark = "gemm";
  c.dtype = "fp64";
  c.scope = Scope::kNode;
  c.judge.name = c.name;
  c.judge.dimension = Dimension::kFlopRate;
  r.suite.checks.push_back(c);
  std::vector<UnitData> data;
  for (int i = 0; i < 4; ++i) {
    RankResult rr;
    rr.rank = i;
    rr.host = "h" + std::to_string(i);
    rr.node = "n" + std::to_string(i);
    r.ranks.push_back(rr);
    UnitData d;
    d.label = rr.node;
    d.values = {i == 2 ? 5.0 : 10.0};
    d.checked = 100;
    d.wrong = i == 3 ? 1 : 0;
    data.push_back(d);
  }
  std::vector<UnitVerdict> v = Judge(c.judge, data);
  for (int i = 0; i < 4; ++i) {
    UnitResult u;
    u.check = 0;
    u.ranks = {i};
    u.host = "h" + std::to_string(i);
    u.node = "n" + std::to_string(i);
    u.label = u.node;
    u.data = data[static_cast<size_t>(i)];
    u.verdict = v[static_cast<size_t>(i)];
    r.units.push_back(u);
  }
  RollUp(&r);
  return r;
}

TEST(Report, BannerNamesTheFailingNodes) {
  ValidationReport r = FourNodes();
  EXPECT_EQ(Headline(r),
            "CRITICAL: 2 of 4 nodes pass, 2 of 4 devices pass; FAIL: node n2 (host h2), node n3 (host h3)");
  const std::vector<Table> tables = EvidenceTables(r);
  const Table& status = TableNamed(tables, "validate_status");
  EXPECT_EQ(status.Str(0, "banner"), Headline(r));
  EXPECT_EQ(status.Str(0, "verdict"), "FAIL");
  EXPECT_EQ(status.Int(0, "process_exit_code"), 2);
  const Table& nodes = TableNamed(tables, "validate_nodes");
  ASSERT_EQ(nodes.size(), 4u);
  EXPECT_EQ(nodes.Str(2, "node"), "n2");
  EXPECT_EQ(nodes.Str(2, "verdict"), "FAIL");
  EXPECT_EQ(nodes.Str(3, "failures"), "wrong-results");
  const Table& failed = TableNamed(tables, "validate_failed_hosts");
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(failed.Str(0, "host"), "h2");
  EXPECT_EQ(failed.Str(0, "slurm_drain"), SlurmDrainLine(FailedNodes(r)[0]));
  EXPECT_NE(ReportMarkdown(r).find("FAIL: node n2 (host h2), node n3 (host h3)"), std::string::npos);
  EXPECT_NE(ReportHtml(r).find("FAIL: node n2 (host h2), node n3 (host h3)"), std::string::npos);
  EXPECT_NE(FormatReportText(r).find("FAIL: node n2 (host h2), node n3 (host h3)"), std::string::npos);
}

// Plain words first: "too slow: 47% below ..." (the highest bound is the fleet
// outlier floor: median 10, MAD 0, so 10 - 5% x 10 = 9.5; 5 is 47% below it) and
// "WRONG RESULTS"; the statistics stay in reason.
TEST(Report, ReasonsInPlainWordsWithANextStepPerClass) {
  ValidationReport r = FourNodes();
  const UnitVerdict& slow = r.units[2].verdict;
  EXPECT_EQ(slow.failure, Failure::kSlow);
  EXPECT_EQ(slow.plain,
            "gemm-fp64: too slow: 47% below the fleet's typical value (5 FLOP/s where 9.5 FLOP/s was needed)");
  EXPECT_NE(slow.reason.find("within 10% of the best"), std::string::npos);
  EXPECT_EQ(r.units[3].verdict.failure, Failure::kWrong);
  EXPECT_NE(r.units[3].verdict.plain.find("WRONG RESULTS"), std::string::npos);
  const std::vector<Table> tables = EvidenceTables(r);
  const Table& steps = TableNamed(tables, "validate_next_steps");
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps.Str(0, "failure"), "slow");
  EXPECT_NE(steps.Str(0, "next_step").find("nvidia-smi -q -d PERFORMANCE"), std::string::npos);
  EXPECT_EQ(steps.Str(1, "failure"), "wrong-results");
  EXPECT_EQ(steps.Str(1, "nodes"), "n3");
  const Table& verdicts = TableNamed(tables, "validate_verdicts");
  EXPECT_EQ(verdicts.Str(2, "plain"), slow.plain);
  EXPECT_EQ(verdicts.Str(2, "failure"), "slow");
  EXPECT_EQ(verdicts.Str(2, "values"), "5");
  EXPECT_EQ(verdicts.Int(3, "wrong"), 1);
  const std::string html = ReportHtml(r);
  EXPECT_NE(html.find("<details><summary>details</summary>"), std::string::npos);
  EXPECT_NE(html.find("id=\"next-steps\""), std::string::npos);
  const std::string md = ReportMarkdown(r);
  EXPECT_NE(md.find("\n      details: rank 2: gemm-fp64: measured"), std::string::npos);
  // Every class has a title and a next step in the one table.
  for (Failure f : {Failure::kSlow, Failure::kWrong, Failure::kNotMeasured, Failure::kGpuCount, Failure::kGpuErrors,
                    Failure::kThrottle, Failure::kPcie, Failure::kNic, Failure::kHost, Failure::kSelfTest}) {
    EXPECT_EQ(AdviceFor(f).failure, f);
    EXPECT_GT(std::string(AdviceFor(f).next_step).size(), 20u);
  }
}

// Delivered: passing nodes n0 + n1 = 20 FLOP/s; all nodes 10 + 10 + 5 + 10 = 35.
TEST(Report, DeliveredOverPassingNodesAndOverAll) {
  ValidationReport r = FourNodes();
  double passing = -1, all = -1;
  for (const auto& f : r.summary) {
    if (f.over == "passing nodes") passing = f.value;
    if (f.over == "all nodes") all = f.value;
  }
  EXPECT_DOUBLE_EQ(passing, 20);
  EXPECT_DOUBLE_EQ(all, 35);
}

TEST(Drain, SlurmLineAndShellQuotedHook) {
  ValidationReport r = FourNodes();
  auto failed = FailedNodes(r);
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(SlurmDrainLine(failed[0]),
            "scontrol update nodename=h2 state=drain reason=\"clusterbench: host-cpu: gemm-fp64 slow\"");
  EXPECT_EQ(failed[1].reason, "clusterbench: host-cpu: gemm-fp64 wrong-results");
  FailedNode evil{"n", "h; rm -rf /", "it's \"bad\""};
  EXPECT_EQ(ExpandDrainCommand("drain {host} {reason} {other}", evil),
            "drain 'h; rm -rf /' 'it'\\''s \"bad\"' {other}");
  EXPECT_EQ(SlurmDrainLine(evil), "scontrol update nodename=h; rm -rf / state=drain reason=\"it's bad\"");
}

}  // namespace
}  // namespace cb::acc

namespace cb::acc {
namespace {

const std::string kFixtures = std::string(CB_SOURCE_DIR) + "/tests/acceptance/fixtures/";

HealthSpec FullSpec(const std::string& root) {
  HealthSpec s;
  s.root = kFixtures + root;
  s.nvidia_smi = "false";  // no driver here: ECC and throttle reasons are not measured
  s.expected_gpus = 2;
  s.min_cpus = 8;
  s.min_memory = 64.0 * (1 << 30);
  s.max_cpu_throttle_events = 0;
  s.pcie_min_width = 16;
  s.pcie_min_speed = 16;
  s.nic_count = 3;
  s.nic_min_rate = 100e9 / 8;
  return s;
}

const HealthFinding* Aspect(const std::vector<HealthFinding>& fs, const std::string& name) {
  for (const auto& f : fs) {
    if (f.aspect == name) return &f;
  }
  return nullptr;
}

// The healthy tree passes every aspect: 2 GPUs at x16 32 GT/s, 8 CPUs, 64 GiB,
// no throttle events, 2 IB ports at 400 Gb/s and eth0 at 100 Gb/s (3 ports).
TEST(Health, HealthyFixturePasses) {
  auto fs = ProbeHealth(FullSpec("sys-healthy"));
  for (const char* a : {"gpus", "host", "cpu-throttle", "pcie", "nics"}) {
    const HealthFinding* f = Aspect(fs, a);
    ASSERT_NE(f, nullptr) << a;
    EXPECT_TRUE(f->ok && f->skipped.empty()) << a << ": " << f->plain << " / " << f->skipped;
  }
  EXPECT_EQ(Aspect(fs, "pcie")->plain, "2 PCIe link(s) as required");  // GPUs only: the NIC and host bridge are not
  EXPECT_EQ(Aspect(fs, "nics")->plain, "3 port(s) up at 100 Gb/s or faster");
}

// The degraded tree: GPU 0000:11:00.0 at x8 8 GT/s, mlx5_1 down at 10 Gb/s, 7 CPUs,
// 12 throttle events; each aspect fails with its class and names the device.
TEST(Health, DegradedFixtureFailsEachAspectNamingTheDevice) {
  auto fs = ProbeHealth(FullSpec("sys-degraded"));
  const HealthFinding* pcie = Aspect(fs, "pcie");
  ASSERT_NE(pcie, nullptr);
  EXPECT_FALSE(pcie->ok);
  EXPECT_EQ(pcie->failure, Failure::kPcie);
  EXPECT_EQ(pcie->plain, "1 of 2 PCIe link(s) degraded: 0000:11:00.0 runs at x8 < x16, 8 GT/s < 16 GT/s");
  const HealthFinding* nics = Aspect(fs, "nics");
  EXPECT_FALSE(nics->ok);
  EXPECT_EQ(nics->failure, Failure::kNic);
  EXPECT_NE(nics->plain.find("2 of the 3 expected port(s) up"), std::string::npos) << nics->plain;
  EXPECT_NE(nics->plain.find("mlx5_1/1 down (1: DOWN)"), std::string::npos) << nics->plain;
  const HealthFinding* host = Aspect(fs, "host");
  EXPECT_FALSE(host->ok);
  EXPECT_EQ(host->plain, "7 CPU(s) online, 8 expected");
  EXPECT_FALSE(Aspect(fs, "cpu-throttle")->ok);
  EXPECT_TRUE(Aspect(fs, "gpus")->ok);
  // A third GPU expected: the count fails.
  HealthSpec three = FullSpec("sys-degraded");
  three.expected_gpus = 3;
  auto f3 = ProbeHealth(three);
  EXPECT_FALSE(Aspect(f3, "gpus")->ok);
  EXPECT_EQ(Aspect(f3, "gpus")->plain, "only 2 of the 3 expected GPU(s) are on the PCI bus");
  // at_max: a link below its own maximum width fails even without a minimum.
  HealthSpec at_max;
  at_max.root = kFixtures + "sys-degraded";
  at_max.pcie_at_max = true;
  at_max.pcie_devices = PcieDevices::kAll;
  auto fm = ProbeHealth(at_max);
  EXPECT_EQ(Aspect(fm, "pcie")->plain, "1 of 3 PCIe link(s) degraded: 0000:11:00.0 runs at x8 of its x16");
}

// Without nvidia-smi, ECC and throttle reasons are SKIPPED with the reason, never failed;
// with a stand-in that prints nvidia-smi's CSV, they are read.
TEST(Health, GpuErrorsAndThrottleFromNvidiaSmi) {
  HealthSpec s;
  s.root = kFixtures + "sys-healthy";
  s.nvidia_smi = "/nonexistent/nvidia-smi";
  s.max_ecc_errors = 0;
  s.gpu_throttle = true;
  auto fs = ProbeHealth(s);
  ASSERT_EQ(fs.size(), 2u);
  EXPECT_EQ(fs[0].skipped, "/nonexistent/nvidia-smi not found: no NVIDIA driver here");
  s.nvidia_smi =
      "printf '0, 00000000:10:00.0, 0, Not Active, Not Active, Not Active, Not Active\\n"
      "1, 00000000:11:00.0, 3, Active, Not Active, Not Active, Not Active\\n'; true";
  fs = ProbeHealth(s);
  ASSERT_EQ(fs.size(), 2u);
  EXPECT_FALSE(fs[0].ok);
  EXPECT_EQ(fs[0].plain, "GPU 1 (00000000:11:00.0) has 3 uncorrected ECC error(s)");
  EXPECT_FALSE(fs[1].ok);
  EXPECT_EQ(fs[1].plain, "GPU clocks throttled: GPU 1 (00000000:11:00.0): hw_slowdown");
}

// The GPU inventory a buyer signs against: serial and VBIOS per GPU in the
// Markdown and HTML reports and the validate_inventory_gpus table, and carried
// through the JSON each rank sends rank 0.
TEST(Inventory, SerialAndVbiosReachEveryReport) {
  ValidationReport r = FourNodes();
  NodeInfo n;
  n.hostname = "h0";
  GpuInfo g;
  g.name = "NVIDIA H200";
  g.uuid = "GPU-00000000-1111-2222-3333-444444444444";
  g.pci_bus_id = "00000000:18:00.0";
  g.serial = "1652024012345";
  g.vbios = "96.00.9F.00.01";
  n.gpus.push_back(g);
  const NodeInfo sent = NodeInfoFromJson(NodeInfoToJson(n));
  ASSERT_EQ(sent.gpus.size(), 1u);
  EXPECT_EQ(sent.gpus[0].vbios, "96.00.9F.00.01");
  EXPECT_EQ(sent.gpus[0].serial, "1652024012345");
  r.inventory.push_back(sent);
  EXPECT_NE(ReportMarkdown(r).find("| 1652024012345 | 96.00.9F.00.01 |"), std::string::npos);
  EXPECT_NE(ReportHtml(r).find("<td>1652024012345</td><td>96.00.9F.00.01</td>"), std::string::npos);
  bool found = false;
  for (const Table& t : EvidenceTables(r)) {
    if (t.name() != "validate_inventory_gpus") continue;
    found = true;
    ASSERT_EQ(t.rows().size(), 1u);
    const int col = t.ColumnIndex("vbios");
    ASSERT_GE(col, 0);
    EXPECT_EQ(std::get<std::string>(t.rows()[0][static_cast<size_t>(col)]), "96.00.9F.00.01");
  }
  EXPECT_TRUE(found);
}

// A GPU that fell off the bus can hang nvidia-smi: the probe is ended at its
// timeout and the node FAILS with the reason (not skipped, not hung).
TEST(Health, HungNvidiaSmiFailsAtTheProbeTimeout) {
  HealthSpec s;
  s.root = kFixtures + "sys-healthy";
  s.nvidia_smi = "sleep 30; true";
  s.max_ecc_errors = 0;
  s.probe_timeout_s = 0.3;
  auto fs = ProbeHealth(s);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_FALSE(fs[0].ok);
  EXPECT_TRUE(fs[0].skipped.empty());
  EXPECT_EQ(fs[0].plain, "sleep 30; true did not answer within 0.3 s and was ended (a hung driver or GPU?)");
}

// Xid errors: counted in the kernel log's "NVRM: Xid" lines; a log that cannot be read
// (dmesg_restrict without root) is SKIPPED, not failed.
TEST(Health, XidErrorsFromTheKernelLog) {
  HealthSpec s;
  s.max_xid_errors = 0;
  s.kernel_log =
      "printf '[  1.0] usb 1-1: new device\\n[ 99.5] NVRM: Xid (PCI:0000:18:00): 79, GPU has fallen off the bus.\\n'";
  auto fs = ProbeHealth(s);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_FALSE(fs[0].ok);
  EXPECT_EQ(fs[0].failure, Failure::kGpuErrors);
  EXPECT_EQ(fs[0].plain,
            "1 GPU Xid error(s) in the kernel log (at most 0 allowed); the last: [ 99.5] NVRM: Xid (PCI:0000:18:00): "
            "79, GPU has fallen off the bus.");
  s.kernel_log = "false";
  fs = ProbeHealth(s);
  EXPECT_NE(fs[0].skipped.find("false failed (exit status 1)"), std::string::npos) << fs[0].skipped;
}

}  // namespace
}  // namespace cb::acc
