// The GPU harness: times an operation on one device with CUDA events.
//
// Each sample: (1) a one-thread kernel that spins on a host-mapped flag holds
// the stream; (2) the host enqueues an optional L2 flush (a memset of a
// buffer twice the L2), the start event, the operation `batch` times and the
// stop event; (3) the host releases the flag and waits for the stop event.
// So the timed region holds only GPU work: launch latency and the host's
// enqueue time stay out (nvbench's "blocking kernel", NVIDIA/nvbench
// nvbench/blocking_kernel.cuh). Operations shorter than `min_sample_s` run
// back to back in a batch (at most `max_batch`, which keeps the launches
// queued behind the blocking kernel well under the driver's queue depth) and
// the sample is the batch time / batch. Before its first blocked sample the
// timer runs the operation once unblocked: with lazy module loading a kernel's
// first launch may wait for the GPU to go idle, which it never does behind the
// blocking kernel. The stopping rule is MeasureSampled's
// (kernels/sample_loop.h). The throttle self-test (MeasureOptions::throttle,
// `validate --inject`) appends to each timed batch a GPU sleep of
// throttle / (1 - throttle) times the batch's duration measured unthrottled, so
// the measured rate really drops to (1 - throttle); this is the harness's
// throttle for event-timed samples (host-timed ones get MeasureSampled's, see
// kernels/harness.h), so the timer hands the sampling loop throttle 0 and sets
// Measurement::throttle itself. Benchmarks never apply it.
#ifndef CLUSTERBENCH_KERNELS_CUDA_DEVICE_TIMER_H_
#define CLUSTERBENCH_KERNELS_CUDA_DEVICE_TIMER_H_

#include <cuda_runtime_api.h>

#include <cstdint>
#include <functional>

#include "kernels/cuda/cuda_raii.h"
#include "kernels/harness.h"

namespace cb::cuda {

struct DeviceTimingOptions {
  MeasureOptions measure;
  bool block = true;            // hold the stream behind the spin kernel while enqueuing
  size_t flush_bytes = 0;       // L2 flush before each sample: bytes to overwrite (0 = none)
  double min_sample_s = 50e-6;  // shorter operations are batched
  int max_batch = 64;
  double block_timeout_s = 10;  // the spin kernel gives up after this (then the sample is an error)
};

// One per device and stream; the device must be current when it is built and used.
class DeviceTimer {
 public:
  DeviceTimer();
  cudaStream_t stream() const { return stream_.get(); }

  // Times op(stream, call) where `call` counts every call made through this
  // timer (for rotating buffers). Throws RuntimeError when a CUDA call fails
  // or the blocking kernel timed out.
  Measurement Measure(const std::function<void(cudaStream_t, int64_t)>& op, const DeviceTimingOptions& options);

  // How many calls the last Measure batched per sample.
  int last_batch() const { return last_batch_; }

 private:
  double Sample(const std::function<void(cudaStream_t, int64_t)>& op, int batch, const DeviceTimingOptions& options,
                double sleep_s);

  Stream stream_;
  Event start_, stop_;
  PinnedBuffer flag_;  // [0] release flag, [1] timed-out flag; host-mapped
  int* flag_device_ = nullptr;
  DeviceBuffer flush_;
  int64_t calls_ = 0;
  int last_batch_ = 1;
};

}  // namespace cb::cuda

#endif  // CLUSTERBENCH_KERNELS_CUDA_DEVICE_TIMER_H_
