#include "kernels/cuda/device_timer.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>

#include <fmt/format.h>

#include "core/error.h"
#include "kernels/cuda/launch.h"
#include "kernels/sample_loop.h"

namespace cb::cuda {
namespace {

// Sets the release flag when it goes out of scope, so an exception while
// enqueuing never leaves the spin kernel holding the GPU.
class Release {
 public:
  explicit Release(volatile int* flag) : flag_(flag) {}
  ~Release() {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    *flag_ = 1;
  }
  Release(const Release&) = delete;
  Release& operator=(const Release&) = delete;

 private:
  volatile int* flag_;
};

}  // namespace

DeviceTimer::DeviceTimer() : flag_(2 * sizeof(int), cudaHostAllocMapped | cudaHostAllocPortable) {
  void* dev = nullptr;
  CB_CUDA_CHECK(cudaHostGetDevicePointer(&dev, flag_.get(), 0));
  flag_device_ = static_cast<int*>(dev);
  // Load the spin and sleep kernels now: with lazy module loading (the
  // default since CUDA 12.2) a first launch may wait for the context to go
  // idle, which it never does behind a spinning kernel.
  int* flag = flag_.as<int>();
  flag[0] = 1;
  flag[1] = 0;
  CB_CUDA_CHECK(LaunchSpin(flag_device_, flag_device_ + 1, 0, stream_.get()));
  CB_CUDA_CHECK(LaunchSleep(0, stream_.get()));
  CB_CUDA_CHECK(cudaStreamSynchronize(stream_.get()));
}

double DeviceTimer::Sample(const std::function<void(cudaStream_t, int64_t)>& op, int batch,
                           const DeviceTimingOptions& options, double sleep_s) {
  volatile int* flag = flag_.as<int>();
  flag[0] = 0;
  flag[1] = 0;
  std::atomic_thread_fence(std::memory_order_seq_cst);
  cudaStream_t s = stream_.get();
  {
    std::unique_ptr<Release> release;
    if (options.block) {
      CB_CUDA_CHECK(
          LaunchSpin(flag_device_, flag_device_ + 1, static_cast<uint64_t>(options.block_timeout_s * 1e9), s));
      release = std::make_unique<Release>(flag);
    }
    if (options.flush_bytes > 0) {
      if (flush_.bytes() < options.flush_bytes) {
        flush_ = DeviceBuffer();  // free first: the two need not fit together
        flush_ = DeviceBuffer(options.flush_bytes);
      }
      CB_CUDA_CHECK(cudaMemsetAsync(flush_.get(), static_cast<int>(calls_ & 0xff), options.flush_bytes, s));
    }
    CB_CUDA_CHECK(cudaEventRecord(start_.get(), s));
    for (int b = 0; b < batch; ++b) op(s, calls_++);
    if (sleep_s > 0) CB_CUDA_CHECK(LaunchSleep(static_cast<uint64_t>(sleep_s * 1e9), s));
    CB_CUDA_CHECK(cudaEventRecord(stop_.get(), s));
  }  // released here
  CB_CUDA_CHECK(cudaEventSynchronize(stop_.get()));
  if (flag[1] != 0) {
    throw RuntimeError(
        fmt::format("GPU harness: the blocking kernel gave up after {:g} s before the host had enqueued {} call(s); "
                    "the measurement is void (an operation that synchronizes with the host cannot be timed blocked)",
                    options.block_timeout_s, batch));
  }
  float ms = 0;
  CB_CUDA_CHECK(cudaEventElapsedTime(&ms, start_.get(), stop_.get()));
  return static_cast<double>(ms) * 1e-3 / batch;
}

Measurement DeviceTimer::Measure(const std::function<void(cudaStream_t, int64_t)>& op,
                                 const DeviceTimingOptions& options) {
  // One unblocked call first: it loads the operation's kernels (lazy loading,
  // see the constructor) and touches the flush buffer before any sample is
  // taken behind the blocking kernel.
  DeviceTimingOptions unblocked = options;
  unblocked.block = false;
  Sample(op, 1, unblocked, 0);
  // One probe call sizes the batch.
  const double probe = Sample(op, 1, options, 0);
  int batch = 1;
  if (probe > 0 && probe < options.min_sample_s) {
    batch = static_cast<int>(std::min<double>(options.max_batch, std::ceil(options.min_sample_s / probe)));
  }
  last_batch_ = std::max(1, batch);
  // The throttle self-test goes into the event-timed region as a GPU sleep
  // (a host sleep, MeasureSampled's way, would not enter an event time), so
  // the sampling loop gets throttle 0 and the Measurement is stamped here.
  const double throttle = options.measure.throttle;
  const bool throttled = throttle > 0 && throttle < 1;
  const double sleep_s = throttled ? probe * last_batch_ * throttle / (1 - throttle) : 0;
  MeasureOptions loop = options.measure;
  loop.throttle = 0;
  Measurement m = MeasureSampled([&] { return Sample(op, last_batch_, options, sleep_s); }, loop);
  if (throttled) m.throttle = throttle;
  return m;
}

}  // namespace cb::cuda
