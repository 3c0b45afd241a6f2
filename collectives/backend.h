// How the harness gets communicators: a Backend owns the job's ranks in this
// process and runs the benchmark body once per local rank, each on its own
// thread (the main thread when there is one local rank).
//
// Backends register factories under BackendKey(name) ("collectives:<name>")
// in cb::Backends::factories (core/backends.h), so the app picks them by name
// without including MPI or NCCL headers.
#ifndef CLUSTERBENCH_COLLECTIVES_BACKEND_H_
#define CLUSTERBENCH_COLLECTIVES_BACKEND_H_

#include <functional>
#include <memory>
#include <string>

#include "collectives/communicator.h"
#include "core/backends.h"

namespace cb::coll {

struct BackendOptions {
  int loopback_ranks = 4;    // loopback: threads as ranks
  int gpus_per_process = 1;  // -g: NCCL ranks driven by this process
  double timeout_s = 300;    // watchdog for communicator creation
  // --buffers: "" or "host" (the MPI backend's host memory), "device" (GPU
  // memory through a CUDA-aware MPI; a usage error where that cannot be), or
  // "auto" (device where every rank can, else host). NCCL always uses device
  // buffers and loopback host buffers (the app checks the combination).
  std::string buffers;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  // Ranks in the whole job and in this process.
  virtual int world_size() const = 0;
  virtual int local_ranks() const = 0;
  // True in the process that holds rank 0 (it prints and writes files).
  virtual bool holds_rank0() const = 0;
  // Runs body(comm) for every local rank concurrently and returns when all
  // have returned. An exception in any rank's body is rethrown here (the
  // first one) after the others finished or were aborted.
  virtual void Run(const std::function<void(Communicator&)>& body) = 0;
};

using BackendFactory = std::function<std::unique_ptr<Backend>(const BackendOptions&)>;
// Where a backend registers its factory in cb::Backends::factories: "collectives:<name>".
inline FactoryKey<BackendFactory> BackendKey(const std::string& name) { return {"collectives:" + name}; }

// The in-process backend: `ranks` threads, host buffers, exact semantics of
// every op. Used by unit tests of the harness and as `--backend loopback`.
std::unique_ptr<Backend> MakeLoopbackBackend(const BackendOptions& options);

}  // namespace cb::coll

#endif  // CLUSTERBENCH_COLLECTIVES_BACKEND_H_
