#include "simulator/plan/search.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "core/interrupt.h"

namespace cb::sim {
namespace {

std::vector<int64_t> PowersOfTwoUpTo(int64_t limit) {
  std::vector<int64_t> v;
  for (int64_t x = 1; x <= limit; x *= 2) v.push_back(x);
  return v;
}

std::vector<int64_t> Divisors(int64_t n, int64_t limit) {
  std::vector<int64_t> v;
  for (int64_t d = 1; d <= std::min(n, limit); ++d) {
    if (n % d == 0) v.push_back(d);
  }
  return v;
}

// One point of the search space, before checks.
struct Candidate {
  int64_t tp, cp, pp, dp, ep, vpp, mb;
  int recompute;  // index into kRecompute
  int zero;
};
const Recompute kRecompute[] = {Recompute::kNone, Recompute::kSelective, Recompute::kFull};

// Lays out the search space in a fixed order (so that a candidate's index
// means the same in every process).
std::vector<Candidate> Enumerate(const Scenario& s, int64_t gpus) {
  const ModelSpec& m = s.model;
  std::vector<Candidate> out;
  const int64_t max_tp = std::max<int64_t>(1, s.cluster.domain_gpus);
  for (int64_t tp : PowersOfTwoUpTo(std::min(max_tp, m.heads))) {
    for (int64_t cp : PowersOfTwoUpTo(32)) {
      if (gpus % (tp * cp) != 0) continue;
      for (int64_t pp : Divisors(gpus / (tp * cp), std::min<int64_t>(m.layers, 128))) {
        const int64_t dp = gpus / (tp * cp * pp);
        std::vector<int64_t> eps = {1};
        if (m.moe) eps = PowersOfTwoUpTo(std::min<int64_t>(m.moe->experts, dp));
        for (int64_t ep : eps) {
          for (int64_t vpp : {1, 2, 3, 4, 6, 8}) {
            if (vpp > 1 && pp == 1) continue;
            for (int64_t mb : {1, 2, 4, 8}) {
              for (int rc = 0; rc < 3; ++rc) {
                for (int zero = 0; zero <= 3; ++zero) out.push_back({tp, cp, pp, dp, ep, vpp, mb, rc, zero});
              }
            }
          }
        }
      }
    }
  }
  return out;
}

const char* const kTpHeads = "tp does not divide the attention heads";
const char* const kTpKv = "tp does not divide the kv heads";
const char* const kTpFfn = "tp does not divide ffn_hidden";
const char* const kTpMamba = "tp does not divide the Mamba mixer's heads and groups";
const char* const kCp = "cp leaves fewer than 256 tokens per rank";
const char* const kEp = "ep does not divide experts and dp x cp";
const char* const kBatch = "global batch not divisible by dp x micro-batch";
const char* const kInterleave = "interleaving needs micro-batches divisible by pp";
const char* const kLayers = "fewer layers than pp x vpp stages";
const char* const kZero = "ZeRO without data parallelism (same as ZeRO-0)";
const char* const kMemory = "does not fit in GPU memory";

// The scenario's own checks (simulator/scenario.cc), as reasons instead of
// errors. Null when the layout is valid.
// A custom pipeline layout holds only for its own pp x vpp: other candidates
// split the layers evenly (MTP modules on the last stage).
bool KeepsLayout(const Scenario& base, const Candidate& c) {
  return !base.par.layout.empty() && c.pp == base.par.pp && c.vpp == base.par.vpp;
}

const char* Invalid(const Scenario& s, const Candidate& c) {
  const ModelSpec& m = s.model;
  if (m.heads % c.tp != 0) return kTpHeads;
  if (m.kv_heads % c.tp != 0 && c.tp % m.kv_heads != 0) return kTpKv;
  if (m.ffn_hidden % c.tp != 0) return kTpFfn;
  if (m.mamba && (m.mamba->heads % c.tp != 0 || m.mamba->groups % c.tp != 0)) return kTpMamba;
  if (s.train.seq_len % c.cp != 0 || s.train.seq_len / c.cp < 256) return kCp;
  // Expert TP = TP (Megatron's default), so EP folds over the cp x dp ranks.
  if (m.moe && (m.moe->experts % c.ep != 0 || (c.cp * c.dp) % c.ep != 0)) return kEp;
  if (s.train.global_batch % (c.dp * c.mb) != 0) return kBatch;
  const int64_t micro_batches = s.train.global_batch / (c.dp * c.mb);
  if (c.vpp > 1 && micro_batches % c.pp != 0) return kInterleave;
  // The scenario's own --account-for-* choice stays with every candidate; its
  // own layout, which may leave stages empty, places the layers itself.
  if (!KeepsLayout(s, c) &&
      m.layers + (s.par.account_for_embedding ? 1 : 0) + (s.par.account_for_loss ? 1 : 0) < c.pp * c.vpp) {
    return kLayers;
  }
  if (c.zero > 0 && c.dp * c.cp == 1) return kZero;
  return nullptr;
}

}  // namespace

std::string PipelineLayoutNote(const Scenario& base) {
  if (base.par.layout.empty()) return "";
  return fmt::format(
      "parallelism.pipeline_layout '{}' holds for PP{} VPP{} only: candidates with other pipeline "
      "degrees split their layers evenly (MTP modules on the last stage)",
      base.par.layout.text, base.par.pp, base.par.vpp);
}

namespace {

Scenario With(const Scenario& base, const Candidate& c) {
  Scenario s = base;
  s.par.tp = c.tp;
  s.par.cp = c.cp;
  s.par.pp = c.pp;
  s.par.dp = c.dp;
  s.par.ep = c.ep;
  s.par.etp = c.tp;
  s.par.vpp = c.vpp;
  if (!KeepsLayout(base, c)) s.par.layout = {};
  s.par.zero = c.zero;
  s.par.sequence_parallel = c.tp > 1;
  s.train.micro_batch = c.mb;
  s.train.recompute = kRecompute[c.recompute];
  // A selective candidate recomputes the scenario's own modules when it named
  // them, else the default set.
  if (s.train.recompute != Recompute::kSelective) {
    s.train.recompute_modules = RecomputeModules{};
  } else if (base.train.recompute != Recompute::kSelective) {
    s.train.recompute_modules = DefaultRecomputeModules(s.model.mla.has_value());
  }
  return s;
}

// Screening key: estimated step time, lower is better; ties go to the lower
// candidate index, so every process ranks alike.
struct Scored {
  double key;
  int64_t index;
  double memory_gib;
  bool operator<(const Scored& o) const { return key != o.key ? key < o.key : index < o.index; }
};

}  // namespace

std::string DescribeLayout(const Parallelism& p, const Training& t) {
  return fmt::format("TP{} PP{} DP{} CP{}{}{} mb{} {} ZeRO-{}", p.tp, p.pp, p.dp, p.cp,
                     p.ep > 1 ? fmt::format(" EP{}", p.ep) : "", p.vpp > 1 ? fmt::format(" VPP{}", p.vpp) : "",
                     t.micro_batch,
                     t.recompute == Recompute::kNone ? std::string("no-recompute")
                                                     : std::string(RecomputeName(t.recompute)) + "-recompute",
                     p.zero);
}

const std::vector<std::string>& RejectionReasons() {
  static const std::vector<std::string> kAll = {kTpHeads, kTpKv,       kTpFfn,  kTpMamba, kCp,    kEp,
                                                kBatch,   kInterleave, kLayers, kZero,    kMemory};
  return kAll;
}

Plan PlanAt(const Scenario& base, int64_t gpus, int64_t index) {
  ThrowIfInterrupted();  // merging many shards' plans calls this per plan
  const std::vector<Candidate> all = Enumerate(base, gpus);
  if (index < 0 || index >= static_cast<int64_t>(all.size())) {
    throw RuntimeError(fmt::format("plan: candidate {} does not exist ({} candidates)", index, all.size()));
  }
  const Scenario s = With(base, all[static_cast<size_t>(index)]);
  Plan p;
  p.par = s.par;
  p.train = s.train;
  p.index = index;
  return p;
}

PlanSearchResult SearchPlans(const Scenario& base, const PlanSearchOptions& options) {
  const int64_t gpus = options.gpus > 0 ? options.gpus : base.par.tp * base.par.pp * base.par.dp * base.par.cp;
  if (gpus < 1) throw ConfigError("plan: the GPU count must be at least 1");
  if (gpus > base.cluster.gpus) {
    throw ConfigError(
        fmt::format("plan: {} GPUs requested but cluster '{}' has {}", gpus, base.cluster.name, base.cluster.gpus));
  }
  if (options.objective != "throughput" && options.objective != "cost" && options.objective != "time-to-train") {
    throw UsageError(fmt::format("--objective {}: expected throughput, cost or time-to-train", options.objective));
  }
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<Candidate> all = Enumerate(base, gpus);
  PlanSearchResult result;
  std::mutex mu;
  std::vector<Scored> kept;  // valid, fitting candidates of this shard
  std::map<std::string, int64_t> rejected;
  int64_t valid = 0, fit = 0, mine = 0;
  const int threads =
      options.threads > 0 ? options.threads : std::max(1, static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)));
  std::atomic<size_t> next{0};
  std::exception_ptr failure;
  auto work = [&]() {
    std::vector<Scored> local;
    std::map<std::string, int64_t> local_rejected;
    int64_t local_valid = 0, local_fit = 0, local_mine = 0;
    SimOptions so;
    so.estimate = true;
    for (size_t i = next.fetch_add(1); i < all.size(); i = next.fetch_add(1)) {
      if (static_cast<int64_t>(i) % options.shards != options.shard) continue;
      ThrowIfInterrupted();  // SIGINT/SIGTERM: the worker's catch stops the others
      ++local_mine;
      const Candidate& c = all[i];
      if (const char* why = Invalid(base, c)) {
        ++local_rejected[why];
        continue;
      }
      ++local_valid;
      SimResult r = Simulate(With(base, c), so);
      if (!r.fits_in_memory) {
        ++local_rejected[kMemory];
        continue;
      }
      ++local_fit;
      local.push_back({r.step_time_s, static_cast<int64_t>(i), r.memory_gib_per_gpu});
    }
    std::lock_guard<std::mutex> lock(mu);
    kept.insert(kept.end(), local.begin(), local.end());
    for (const auto& [k, v] : local_rejected) rejected[k] += v;
    valid += local_valid;
    fit += local_fit;
    mine += local_mine;
  };
  auto worker = [&]() {
    try {
      work();
    } catch (...) {
      // A failing candidate must not std::terminate the process: keep the
      // first error, stop the others, rethrow it on the calling thread.
      std::lock_guard<std::mutex> lock(mu);
      if (!failure) failure = std::current_exception();
      next = all.size();
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
  result.candidates = mine;
  result.valid = valid;
  result.fit = fit;
  result.rejected = rejected;
  const auto t1 = std::chrono::steady_clock::now();
  result.screen_wall_s = std::chrono::duration<double>(t1 - t0).count();

  const size_t top_screen = static_cast<size_t>(std::max(options.simulate_top, options.top));
  std::sort(kept.begin(), kept.end());
  if (kept.size() > top_screen) kept.resize(top_screen);
  for (const Scored& k : kept) {
    Plan p;
    const Scenario s = With(base, all[static_cast<size_t>(k.index)]);
    p.par = s.par;
    p.train = s.train;
    p.estimate_step_s = k.key;
    p.index = k.index;
    result.plans.push_back(p);
  }
  if (options.shards > 1) return result;  // the caller merges shards, then FinishPlans
  return FinishPlans(base, options, std::move(result));
}

PlanSearchResult FinishPlans(const Scenario& base, const PlanSearchOptions& options, PlanSearchResult screened) {
  const auto t0 = std::chrono::steady_clock::now();
  if (screened.valid == 0) {
    std::string why;
    for (const auto& [k, v] : screened.rejected) why += fmt::format("{}{} ({})", why.empty() ? "" : "; ", k, v);
    throw ConfigError(fmt::format("plan: no valid layout of {} on these GPUs: {}", base.model.name, why));
  }
  if (screened.fit == 0) {
    throw ConfigError(
        fmt::format("plan: {} valid layouts of {}, none fits in {} GiB per GPU (even with ZeRO-3, full recompute and "
                    "micro-batch 1): more GPUs, or GPUs with more memory",
                    screened.valid, base.model.name, base.gpu.memory_bytes / (1 << 30)));
  }
  // Best estimates first (deterministic order), then the discrete-event
  // schedule for the best `simulate_top`, ranked again by its step time.
  std::sort(screened.plans.begin(), screened.plans.end(), [](const Plan& a, const Plan& b) {
    return a.estimate_step_s != b.estimate_step_s ? a.estimate_step_s < b.estimate_step_s : a.index < b.index;
  });
  const size_t n_sim =
      std::min(screened.plans.size(), static_cast<size_t>(std::max(options.simulate_top, options.top)));
  screened.plans.resize(n_sim);
  for (Plan& p : screened.plans) {
    ThrowIfInterrupted();
    Scenario s = base;
    s.par = p.par;
    s.train = p.train;
    p.result = Simulate(s);
    p.simulated = true;
    p.objective_value = options.objective_value ? options.objective_value(p.result) : p.result.step_time_s;
  }
  std::stable_sort(screened.plans.begin(), screened.plans.end(), [](const Plan& a, const Plan& b) {
    const bool fa = a.result.fits_in_memory, fb = b.result.fits_in_memory;
    if (fa != fb) return fa;
    return a.objective_value != b.objective_value ? a.objective_value < b.objective_value : a.index < b.index;
  });
  if (screened.plans.size() > static_cast<size_t>(options.top)) screened.plans.resize(static_cast<size_t>(options.top));
  screened.simulate_wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return screened;
}

}  // namespace cb::sim
