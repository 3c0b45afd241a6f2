// Host memory bandwidth, STREAM style (McCalpin, "Memory Bandwidth and Machine
// Balance in Current High Performance Computers", 1995; www.cs.virginia.edu/stream):
//   copy  c = a          2 arrays moved: 16 B per element (double)
//   scale b = s*c        16 B per element
//   add   c = a + b      24 B per element
//   triad a = b + s*c    24 B per element
// Bandwidth = bytes moved / median time. Arrays are at least 4x the last-level
// cache (STREAM's rule) so caches do not inflate the figure. Every kernel is
// idempotent, so after timing each element is checked exactly.
#ifndef CLUSTERBENCH_KERNELS_HOST_STREAM_H_
#define CLUSTERBENCH_KERNELS_HOST_STREAM_H_

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/harness.h"
#include "kernels/memory_kinds.h"

namespace cb {

struct StreamResult {
  StreamKernel kernel = StreamKernel::kCopy;  // copy, scale, add, triad
  int64_t array_bytes = 0;
  int64_t bytes_moved = 0;  // per call, STREAM counting
  int threads = 0;
  Measurement measurement;
  double bandwidth_Bps = 0;  // bytes_moved / median time
  int64_t wrong = 0;         // elements that failed the exact check
};

// Default array size: max(4 x last-level cache, 64 MiB), per array.
int64_t DefaultStreamArrayBytes();

// Runs the four kernels. `threads` <= 0 means one per online CPU.
std::vector<StreamResult> RunHostStream(int64_t array_bytes, int threads, const MeasureOptions& options);

}  // namespace cb

#endif  // CLUSTERBENCH_KERNELS_HOST_STREAM_H_
