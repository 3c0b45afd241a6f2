// Pipeline schedules and their discrete-event execution.
//
// One pipeline of pp ranks, each holding vpp model chunks (virtual stage
// j = chunk·pp + rank, Megatron-LM's interleaved assignment). Each rank runs
// its passes in a fixed order — 1F1B (Narayanan et al. SC'21, after PipeDream-
// Flush) or interleaved 1F1B — and a pass starts when the rank is free and its
// input has arrived: F(mb, j) needs F(mb, j-1) plus the point-to-point time,
// B(mb, j) needs B(mb, j+1) plus the transfer, and B(mb, last) needs
// F(mb, last). With uniform passes of f (forward) and b (backward) and no
// transfer time this reproduces the closed forms: 1F1B takes (m + p - 1)(f + b),
// interleaving with v chunks of f/v and b/v takes (m + (p-1)/v)(f + b).
#ifndef CLUSTERBENCH_SIMULATOR_TRAINING_PIPELINE_H_
#define CLUSTERBENCH_SIMULATOR_TRAINING_PIPELINE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "simulator/engine/event_queue.h"

namespace cb::sim {

// Layers over `stages` virtual stages as evenly as possible; when they do not
// divide, the first and last stages get one layer fewer first (they carry the
// embedding and the LM head), as Llama 3 405B did (126 layers on 16 stages:
// 7, 8 x 14, 7).
std::vector<int64_t> SplitLayers(int64_t layers, int64_t stages);
// The same with the embedding and/or the LM head and loss each taking one
// layer's slot on the first/last virtual stage (Megatron's
// --account-for-{embedding,loss}-in-pipeline-split): layers + e + l slots
// split as above, then the first stage gives one slot to the embedding and
// the last one to the loss. Needs layers + e + l >= stages.
std::vector<int64_t> SplitLayers(int64_t layers, int64_t stages, bool embedding_slot, bool loss_slot);

// A virtual stage of a custom layout: its transformer layers and MTP modules
// (the embedding is always on the first virtual stage, the loss on the last).
struct LayoutStage {
  int64_t layers = 0, mtp = 0;
};
// A custom layout as given (parallelism.pipeline_layout) and as parsed, one
// value so the two cannot part: empty for the even split.
struct PipelineLayout {
  std::string text;
  std::vector<LayoutStage> stages;
  bool empty() const { return stages.empty(); }
};
// Megatron-Core's --pipeline-model-parallel-layout string
// (megatron/core/transformer/pipeline_parallel_layer_layout.py,
// parse_str_to_list and validate_layer_layout): virtual stages in order
// j = chunk·pp + rank split by '|'; 'E' embedding, 't' transformer layer,
// 'm' MTP layer, 'L' loss; "(..)*n" and "x*n" repeat, commas are cosmetic.
// Checks what Megatron checks: pp·vpp stages, 'E' once and first, 'L' once
// and last, `layers` t's, `mtp` m's after every t and in each rank's last
// chunk. Throws ConfigError saying what is wrong (the caller adds the key).
std::vector<LayoutStage> ParsePipelineLayout(const std::string& layout, int64_t pp, int64_t vpp, int64_t layers,
                                             int64_t mtp);

struct Op {
  bool forward;
  int64_t micro_batch;
  int64_t vstage;
};

// Megatron-LM's order of passes for pipeline rank `stage` (1F1B when vpp = 1).
std::vector<Op> StageSchedule(int64_t stage, int64_t pp, int64_t vpp, int64_t micro_batches);

struct PipelineRun {
  std::vector<SimTime> stage_end;
  std::vector<std::vector<std::pair<SimTime, SimTime>>> spans;  // per rank, per pass: start, end
  std::vector<std::vector<Op>> orders;
  std::vector<SimTime> last_bwd_start, last_bwd_end;  // per virtual stage
  // Per rank: when its first pass starts (the pipeline fill).
  std::vector<SimTime> first_start;
  uint64_t events = 0;
};

// The planner's screen: the same quantities from closed forms, no events.
// Per pipeline rank s: C_s = Σ over its chunks of (f + b). Rank 0 ends at
//   T = Σ_s C_s / v + (m − 1/v) · max_s C_s + 2 (p·v − 1) · p2p
// (fill and drain through every rank once, at 1/v of a rank's work per
// chunk; the steady state at the pace of the slowest rank; one transfer per
// chunk boundary on the way in and out). With uniform ranks and no transfer
// time this is exactly the schedule's (m + (p−1)/v)(f + b). Rank s ends
// earlier by the drain of the ranks before it, Σ_{q<s} (B_q/v + p2p), and its
// chunk c's last backward one traversal Σ_q B_q / v per chunk before that.
// `orders` and `spans` stay empty.
PipelineRun EstimatePipeline(int64_t pp, int64_t vpp, int64_t micro_batches, const std::vector<SimTime>& fwd_cost,
                             const std::vector<SimTime>& bwd_cost, SimTime p2p);

// Runs the schedule; fwd_cost/bwd_cost per virtual stage, p2p per transfer.
// Throws RuntimeError if the schedule deadlocks (a bug, never bad input).
PipelineRun RunPipeline(int64_t pp, int64_t vpp, int64_t micro_batches, const std::vector<SimTime>& fwd_cost,
                        const std::vector<SimTime>& bwd_cost, SimTime p2p);

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_TRAINING_PIPELINE_H_
