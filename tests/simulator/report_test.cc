// What apps/ used to hold and can now be tested without the CLI: the step
// flags read into SimOptions (simulator/step_flags.h), a sharded plan search
// gathered through its records (plan/shard_records.h), and the renderings of
// simulate, plan and compare (report/).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>
#include <string>

#include "core/error.h"
#include "simulator/plan/shard_records.h"
#include "simulator/report/compare_report.h"
#include "simulator/report/plan_report.h"
#include "simulator/report/step_report.h"
#include "simulator/step_flags.h"
#include "tests/simulator/shipped.h"

namespace cb::sim {
namespace {

using testing::Load;

// llama3-8b-64: TP2 DP32 on 8 nodes of 8 GPUs.
TEST(StepFlags, ReadsStragglersLinksAndReplicas) {
  const Scenario s = Load("llama3-8b-64");
  StepFlags f;
  f.full = true;
  f.network = "flow";
  f.timeline = "t.json";
  f.timeline_replicas = "3,0,3";
  f.stragglers = {"5:0.5", "7:0:0.25"};
  f.degraded_links = {"64:0.5"};
  f.failed_links = {65};
  const SimOptions so = ReadSimOptions(f, s);
  EXPECT_TRUE(so.full && so.flow_network && so.trace);
  EXPECT_EQ(so.trace_replicas, (std::vector<int64_t>{3, 0}));
  ASSERT_EQ(so.stragglers.size(), 2u);
  EXPECT_EQ(so.stragglers[0].replica, 2);  // rank 5 = TP rank 1 of replica 2
  EXPECT_DOUBLE_EQ(so.stragglers[0].slowdown, 0.5);
  EXPECT_EQ(so.stragglers[1].replica, 7);
  ASSERT_EQ(so.link_faults.size(), 2u);
  EXPECT_EQ(so.link_faults[1].physical, 65);
  EXPECT_DOUBLE_EQ(so.link_faults[1].fraction, 0);
  f.timeline_replicas = "all";
  EXPECT_EQ(ReadSimOptions(f, s).trace_replicas.size(), 32u);

  EXPECT_THROW(ParseStraggler("64:0.2", s), UsageError);  // ranks 0..63
  EXPECT_THROW(ParseStraggler("1:2:3:4", s), UsageError);
  EXPECT_THROW(ParseStraggler("0:1:0.2", s), UsageError);  // one stage
  EXPECT_THROW(ParseDegradedLink("3:0"), UsageError);
  EXPECT_THROW(ParseDegradedLink("3"), UsageError);
  StepFlags bad;
  bad.degraded_links = {"3:0.5"};
  EXPECT_THROW(ReadSimOptions(bad, s), UsageError);  // needs --network flow
  bad = {};
  bad.stragglers = {"1:0.1"};
  EXPECT_THROW(ReadSimOptions(bad, s), UsageError);  // needs --full
  bad = {};
  bad.timeline_replicas = "0";
  EXPECT_THROW(ReadSimOptions(bad, s), UsageError);  // needs --timeline
  bad.timeline = "t.json";
  bad.full = true;
  bad.timeline_replicas = "0,32";
  EXPECT_THROW(ReadSimOptions(bad, s), UsageError);  // replicas 0..31
}

// Two shards' records, gathered and merged, finish into the plans of one
// process (the same indices, estimates and counts).
TEST(ShardRecords, TwoShardsMergeIntoOneProcessesPlans) {
  const Scenario s = Load("gpt-22b-8");
  PlanSearchOptions o;
  o.gpus = 8;
  o.top = 3;
  o.simulate_top = 4;
  o.threads = 1;
  const PlanSearchResult one = SearchPlans(s, o);
  std::vector<double> all;
  for (int64_t shard = 0; shard < 2; ++shard) {
    PlanSearchOptions mine = o;
    mine.shard = shard;
    mine.shards = 2;
    const std::vector<double> rec = ShardRecord(SearchPlans(s, mine), 4);
    EXPECT_EQ(rec.size(), 2 * 4 + 3 + RejectionReasons().size());
    all.insert(all.end(), rec.begin(), rec.end());
  }
  const PlanSearchResult merged = FinishPlans(s, o, MergeShardRecords(s, 8, all, 4));
  EXPECT_EQ(merged.candidates, one.candidates);
  EXPECT_EQ(merged.valid, one.valid);
  EXPECT_EQ(merged.fit, one.fit);
  EXPECT_EQ(merged.rejected, one.rejected);
  ASSERT_EQ(merged.plans.size(), one.plans.size());
  for (size_t i = 0; i < one.plans.size(); ++i) {
    EXPECT_EQ(merged.plans[i].index, one.plans[i].index);
    EXPECT_DOUBLE_EQ(merged.plans[i].result.step_time_s, one.plans[i].result.step_time_s);
  }

  // The renderings of that search: one JSON entry and one table row per plan.
  std::vector<PlanBand> judged;
  for (const auto& p : one.plans) judged.push_back(JudgePlan({}, s, p, 8, std::nullopt));
  const std::vector<std::string> notes;
  const std::string scenario = "gpt-22b-8", objective = "throughput";
  const PlanReport rep{s, 8, one, judged, std::nullopt, notes, 1, 1, 0, scenario, objective};
  const std::vector<Table> tables = PlanTables(rep);
  ASSERT_EQ(tables.size(), 3u);
  const Table& plans = tables[0];
  ASSERT_EQ(plans.name(), "plans");
  ASSERT_EQ(plans.size(), one.plans.size());
  EXPECT_EQ(plans.Int(0, "candidate"), one.plans[0].index);
  EXPECT_EQ(plans.Int(0, "unvalidated"), 1);  // no bands: outside the validated region
  EXPECT_EQ(plans.Str(0, "layout"), DescribeLayout(one.plans[0].par, one.plans[0].train));
  EXPECT_EQ(tables[1].name(), "plan_search");
  EXPECT_EQ(tables[1].Int(0, "candidates"), one.candidates);
  EXPECT_EQ(tables[1].Int(0, "scenario_fits_in_memory"), -1);  // the scenario's own layout not simulated
  EXPECT_EQ(tables[2].name(), "plan_rejected");
  EXPECT_EQ(tables[2].size(), one.rejected.size());
  std::ostringstream text;
  PrintPlanTable(text, tables);
  EXPECT_NE(text.str().find("UNVALIDATED"), std::string::npos);
  // The text reads the tables by column name: a table without a column it
  // reads is an error naming the column, never a blank.
  std::vector<Table> renamed = tables;
  renamed[0] = Table("plans", "", {{"tp", ColumnType::kInt64, "1", ""}});
  renamed[0].AddRow({int64_t{1}});
  std::ostringstream none;
  EXPECT_THROW(PrintPlanTable(none, renamed), Error);
}

// simulate's step table holds every figure of the step (what its JSON
// document held before session 11, now the table: the band in fractions, the
// layout, the critical GPUs, the heterogeneity), and the text reads it.
TEST(StepReport, TableHoldsEveryFigureAndTextReadsIt) {
  const Scenario s = Load("llama3-8b-64");
  SimOptions so;
  so.trace = true;
  const SimResult r = Simulate(s, so);
  const PredictionBand band = BandForResult({}, s, r);
  StepRun run;
  run.wall_s = 0.5;
  const std::vector<Table> tables = StepTables(s, r, band, run);
  ASSERT_EQ(tables.size(), 1u);  // no traffic table without the flow network
  const Table& t = tables[0];
  ASSERT_EQ(t.name(), "step");
  ASSERT_EQ(t.size(), 1u);
  EXPECT_DOUBLE_EQ(t.Float(0, "step_time"), r.step_time_s);
  EXPECT_EQ(t.Int(0, "micro_batches_per_pipeline"), r.micro_batches);
  EXPECT_EQ(t.Int(0, "band_known"), 0);  // no bands given
  EXPECT_TRUE(std::isnan(t.Float(0, "median_error")));
  EXPECT_EQ(t.Str(0, "prediction_class"), band.prediction_class);
  EXPECT_EQ(t.Int(0, "etp"), s.par.etp);
  EXPECT_EQ(t.Int(0, "critical_last_rank"), r.critical_first_rank + r.critical_ranks - 1);
  EXPECT_DOUBLE_EQ(t.Float(0, "events_per_s"), static_cast<double>(r.events) / 0.5);
  std::string layers;
  for (int64_t n : r.layers_per_virtual_stage) layers += (layers.empty() ? "" : ",") + std::to_string(n);
  EXPECT_EQ(t.Str(0, "layers_per_virtual_stage"), layers);
  EXPECT_EQ(t.Str(0, "pipeline_layout"), s.par.layout.text);  // empty: the even split
  EXPECT_EQ(t.Int(0, "mtp_layers"), s.model.mtp_layers);
  const std::string stages = t.Str(0, "memory_per_stage");  // GiB of each pipeline stage, a comma list
  EXPECT_EQ(std::count(stages.begin(), stages.end(), ','), static_cast<std::ptrdiff_t>(r.memory_per_stage.size()) - 1);
  EXPECT_TRUE(std::isnan(t.Float(0, "heterogeneity_cost")));
  // The columns are unique: JSON rows are objects keyed by column name.
  std::set<std::string> names;
  for (const Column& c : t.columns()) EXPECT_TRUE(names.insert(c.name).second) << c.name;
  std::ostringstream text;
  PrintStepTable(text, tables, s.par, so);
  EXPECT_NE(text.str().find("where the step goes"), std::string::npos);
  EXPECT_EQ(text.str().find("heterogeneity"), std::string::npos);
  const nlohmann::json trace = TimelineJson(r);
  EXPECT_FALSE(trace["traceEvents"].empty());
}

// compare's renderings name the best buildout and escape names from files.
TEST(CompareReport, NamesTheBestAndEscapesNames) {
  Buildout a, b;
  a.name = "a|b <x>";
  b.name = "second";
  a.gpus = b.gpus = 8;
  a.ideal_s = 100;
  b.ideal_s = 50;
  BuildoutRequest o;
  o.model = "m";
  const std::vector<Buildout> bs = {a, b};
  const size_t best = BestBuildout(bs, o.objective);
  EXPECT_EQ(best, 1u);
  const Table t = CompareTable(o, 1e12, bs, best);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t.Int(1, "best"), 1);
  EXPECT_EQ(t.Str(1, "cluster"), "second");
  EXPECT_TRUE(std::isnan(t.Float(0, "cost")));  // no prices
  EXPECT_EQ(t.Str(0, "cost_basis"), "");
  const std::string md = CompareMarkdown(t);
  EXPECT_EQ(md.find("a|b"), std::string::npos);
  EXPECT_NE(md.find("second (best)"), std::string::npos);
  const std::string html = CompareHtml(t);
  EXPECT_EQ(html.find("<x>"), std::string::npos);
  EXPECT_NE(html.find("best by time-to-train"), std::string::npos);
  std::ostringstream text;
  PrintCompare(text, t);
  EXPECT_NE(text.str().find("second *"), std::string::npos);
}

}  // namespace
}  // namespace cb::sim
