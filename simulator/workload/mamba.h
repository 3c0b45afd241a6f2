// Mamba-2 mixer of a hybrid model (Dao & Gu 2024, "Transformers are SSMs",
// arXiv:2405.21060; Megatron-Core megatron/core/ssm/mamba_mixer.py with
// mamba_ssm's kernels; docs/evidence/mamba-hybrid.md).
//
// Shapes (MambaSpec): d_in = H·P (heads x head_dim), B and C in G groups of N
// state channels, chunks of Q tokens, conv width w. Per token the mixer runs
//   in_proj    h -> 2·d_in + 2·G·N + H   (z, x, B, C, dt; TELayerNormColumnParallelLinear)
//   conv1d     depthwise causal conv of width w over x, B, C (d_in + 2·G·N channels), SiLU
//   SSD        the chunked scan (mamba_ssm ssd_combined.py, five kernels forward:
//              chunk_cumsum, bmm_chunk (C·Bᵀ per chunk), chunk_state, state_passing, chunk_scan)
//   gated norm RMSNorm(y)·SiLU(z) per group of d_in/G channels (no TP collective)
//   out_proj   d_in -> h (TERowParallelLinear)
// TP splits heads and groups (Megatron-Core asserts both divide by tp).
//
// SSD matmul FLOPs per token on a GPU holding H heads and G groups (forward):
//   bmm_chunk 2·Q·N·G, chunk_state 2·N·P·H, chunk_scan Q·P·H (the causal half of
//   the intra-chunk 2·Q·P·H, as TileLang's chunk_scan benchmark counts it) + 2·N·P·H:
//   F_fwd = 2QNG + QPH + 4NPH.
// Backward (_mamba_chunk_scan_combined_bwd) recomputes C·Bᵀ and the chunk states
// (2QNG + 2NPH) and forms dstates (2NPH), dx (QPH + 2NPH), dC (QPH + 2NPH),
// dB (2QNG + 2NPH): F_bwd = 4QNG + 2QPH + 10NPH.
// Bytes per token forward (bf16 2 B, fp32 4 B; S = H·P·N/Q, the chunk states per token):
//   conv1d 2·2·(d + 2GN); chunk_cumsum 10H; bmm_chunk 2·2GN + 4GQ (fp32 C·Bᵀ);
//   chunk_state 2d + 2GN + 8H + 4S (fp32 states); state_passing 4S + 2S;
//   chunk_scan 4GQ + 2d (x) + 2GN (C) + 2S + 8H + 2d (out); gated norm 2d + 2d + 2d:
//   M_fwd = 16d + 16GN + 8GQ + 12S + 26H  (d = H·P on this GPU).
// Backward moves each tensor and its gradient (2·M_fwd) and recomputes the
// chunk states (2d + 2GN + 8H + 10S).
// Time per pass: the roofline max(M / (B_mem·e_mem), F at the fused-attention
// rate) plus one launch per kernel (7 forward, 16 backward: the conv, the five
// SSD kernels and the norm; backward the recomputed three besides).
#ifndef CLUSTERBENCH_SIMULATOR_WORKLOAD_MAMBA_H_
#define CLUSTERBENCH_SIMULATOR_WORKLOAD_MAMBA_H_

#include <cstdint>

#include "simulator/workload/transformer.h"

namespace cb::sim {

// Parameters of one mixer at TP 1: in_proj, conv1d weight and bias, dt_bias,
// A_log and D (one per head), the gated norm's weight, out_proj (its pre-norm
// is the layer's norm, counted with the block).
double MambaParams(const MambaSpec& b, int64_t hidden);
// Of them, in_proj and out_proj (the mixer's GEMM weights).
double MambaProjectionParams(const MambaSpec& b, int64_t hidden);

struct MixerWork {
  double fwd_flops = 0, bwd_flops = 0;  // SSD matmuls
  double fwd_bytes = 0, bwd_bytes = 0;  // conv1d, SSD and gated norm traffic
  int fwd_kernels = 7, bwd_kernels = 16;
};
// The mixer's work besides its projections for `tokens` tokens on a GPU
// holding `heads` heads and `groups` groups.
MixerWork MambaMixerWork(const MambaSpec& b, double tokens, int64_t heads, int64_t groups);

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_WORKLOAD_MAMBA_H_
