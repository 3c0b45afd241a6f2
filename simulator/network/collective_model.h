// Collective communication time, alpha-beta model per tier (Hockney 1994;
// Thakur, Rabenseifner & Gropp, "Optimization of Collective Communication
// Operations in MPICH", IJHPCA 2005; bus-bandwidth factors as in nccl-tests
// doc/PERFORMANCE.md).
//
// A group of n ranks has k ranks in each scale-up domain (k = n when it fits
// in one). S is the message size (the full buffer, as nccl-tests counts it).
//   all-reduce      t = 2(n-1)/n · S / B + lat_AR
//   all-gather,
//   reduce-scatter  t =  (n-1)/n · S / B + lat_AR / 2
//   all-to-all      t = (n-1)/n · S / B_a2a + alpha
//   gather, scatter t as all-to-all: the root alone moves the (n-1)/n · S that
//                   every rank moves in an all-to-all (direct sends, one hop)
//   all-to-allv     t as all-to-all of S, the row's nominal size (nccl-tests
//                   counts alltoallv as alltoall; its traffic is at most that)
//   send/recv       t = S / B + alpha
// B, the bus bandwidth: inside a domain B_up (scale-up bandwidth per GPU per
// direction times its efficiency); across domains the ring enters and leaves
// each domain once per channel, so the domain's k NIC shares carry it:
//   B = min(B_up, k · B_nic)    with B_nic = NICs per node · NIC bandwidth /
//   GPUs per node · efficiency (hierarchical ring, as NCCL builds it).
// Latency: ring 2(n-1)·alpha, or for all-reduce a double binary tree across
// domains, 2·(log2(n/k)·alpha_out + (k-1)·alpha_up); NCCL picks the faster, so
// do we. All-gather and reduce-scatter are rings only in NCCL (half the
// all-reduce ring's steps): their latency grows with n.
// All-to-all across domains: the share (n-k)/n of the data that leaves the
// domain goes through the NIC share, the rest through scale-up.
// In-switch reduction (NVLink SHARP): an all-reduce inside the domain sends
// each byte into the switch once and receives the result once,
//   t = S / B_sharp + 2·alpha_up,
// B_sharp being the achievable algorithm bandwidth (8 x H100 NVLS: ~480 GB/s
// bus bandwidth = 274 GB/s algbw, 0.61 of the 450 GB/s per direction, vs
// ~370 GB/s bus bandwidth for the ring; ../shared/specs/accelerators.md);
// the faster of ring and SHARP is used.
#ifndef CLUSTERBENCH_SIMULATOR_NETWORK_COLLECTIVE_MODEL_H_
#define CLUSTERBENCH_SIMULATOR_NETWORK_COLLECTIVE_MODEL_H_

#include <cstdint>

#include "core/collective_op.h"

namespace cb::sim {

struct FabricTiers {
  double up_bandwidth = 0;  // per GPU per direction, achievable (after efficiency)
  double up_latency = 0;
  double nic_bandwidth = 0;  // per GPU share of the node's NICs, achievable
  double out_latency = 0;
  int64_t domain_gpus = 8;
  double sharp_bandwidth = 0;        // algbw of an in-switch all-reduce; 0 = none
  double up_alltoall_bandwidth = 0;  // all-to-all inside a domain, achievable; 0 = up_bandwidth
};

struct Group {
  int64_t size = 1;        // n
  int64_t per_domain = 1;  // k: members sharing one scale-up domain
};

// The catalogue and bus factors are core's (core/collective_op.h).
using Collective = cb::CollectiveOp;

double CollectiveTime(Collective op, double bytes, const Group& g, const FabricTiers& f);
// All-to-all whose traffic leaving the scale-up domain is scaled by
// `remote_scale` (1 = every copy crosses; a deduplicating dispatcher that
// sends a token once per destination domain and fans it out over scale-up
// sends less).
double AllToAllTime(double bytes, const Group& g, const FabricTiers& f, double remote_scale);
// Bus bandwidth the model uses for this group (B above).
double GroupBusBandwidth(const Group& g, const FabricTiers& f);

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_NETWORK_COLLECTIVE_MODEL_H_
