#include "simulator/report/layout_json.h"

namespace cb::sim {

nlohmann::json ParallelismJson(const Parallelism& p) {
  return {{"tp", p.tp},     {"pp", p.pp},
          {"dp", p.dp},     {"cp", p.cp},
          {"ep", p.ep},     {"etp", p.etp},
          {"vpp", p.vpp},   {"sequence_parallel", p.sequence_parallel},
          {"zero", p.zero}, {"shard_group", p.shard_group}};
}

nlohmann::json TrainingJson(const Training& t) {
  return {{"seq_len", t.seq_len},
          {"global_batch", t.global_batch},
          {"micro_batch", t.micro_batch},
          {"recompute", RecomputeName(t.recompute)},
          {"recompute_layers", t.recompute_layers},
          {"precision", t.precision_name}};
}

}  // namespace cb::sim
