#pragma once
// The one interface data-parallel training talks to: rank, size, allreduce, broadcast,
// barrier. Backends sit beside it (comms/mpi/ for CPU tensors, comms/nccl/ for CUDA tensors,
// comms/single_process for a world of one) and are picked at run time by makeCollective().
//
// Every wait has a timeout: a collective that does not complete within
// CollectiveOptions::timeout, or while abort_requested is raised, throws CommsError naming
// the operation, the rank and the time waited — never a hang. After a CommsError the
// collective is unusable (the NCCL communicator is aborted); the process should exit.
#include <torch/types.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace cog::comms {

// kMax: the element-wise maximum over ranks, for values every rank must agree on before it
// acts on them (QK-clip's per-head attention-logit maxima).
enum class ReduceOp { kSum, kAvg, kMax };

// An in-flight collective. The tensor it works on must stay alive and untouched until
// wait() returns. wait() is idempotent.
class Work {
 public:
  virtual ~Work() = default;
  virtual void wait() = 0;
};

class Collective {
 public:
  virtual ~Collective() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual std::string backendName() const = 0;

  // In-place allreduce of a contiguous tensor (a parameter gradient or a flat bucket).
  // kAvg divides by size() after summing; kMax keeps each element's largest value.
  virtual std::unique_ptr<Work> allreduceAsync(torch::Tensor tensor, ReduceOp op) = 0;
  // In-place broadcast of a contiguous tensor from `root` to every rank.
  virtual void broadcast(torch::Tensor tensor, int root) = 0;
  virtual void barrier() = 0;

  void allreduce(torch::Tensor tensor, ReduceOp op) {
    allreduceAsync(std::move(tensor), op)->wait();
  }
};

// Where this process sits in the job; mapped from the launcher's environment once, at the
// entry point (see bootstrap.hpp), and passed down as plain values.
struct RankInfo {
  int rank = 0;
  int size = 1;
  int local_rank = 0;
  int local_size = 1;
};

struct CollectiveOptions {
  std::string backend = "auto";  // comms.backend: auto | mpi | nccl (auto = nccl on CUDA, else mpi)
  std::chrono::milliseconds timeout{30000};  // comms.timeout_ms
  // Raised by the entry point on SIGTERM (e.g. mpirun tearing the job down after a peer
  // died): a wait in progress gives up with CommsError instead of blocking until killed.
  const std::atomic<bool>* abort_requested = nullptr;
  // How long a wait goes on after abort_requested is raised before giving up. A SIGTERM
  // that reached every rank (a graceful stop) leaves all peers alive, and the collective in
  // flight completes within this grace; only a dead peer makes the wait fail. Kept well
  // under mpirun's SIGKILL escalation (1-2 s after its SIGTERM) so that the survivor of a
  // dead peer usually still reports the CommsError itself (comms.abort_grace_ms).
  std::chrono::milliseconds abort_grace{500};
};

// Picks the backend for `device`: a world of one needs no MPI at all; otherwise MPI for CPU
// tensors, NCCL for CUDA tensors (if compiled in). Asking for a backend that is not compiled
// in, or nccl for a CPU device, is a ConfigError naming comms.backend.
std::unique_ptr<Collective> makeCollective(const CollectiveOptions& options, const RankInfo& rank,
                                           const torch::Device& device);

// The argument rules every backend applies before it starts an operation, so a job that
// runs as one process behaves the same as N: a defined, contiguous tensor, and kAvg only for
// floating-point dtypes (an integer average would silently floor). Throws CommsError naming
// `what` (e.g. "allreduce"), the dtype and the rule broken.
void checkCollectiveTensor(const torch::Tensor& tensor, const char* what, ReduceOp op);

// Backends compiled into this build, e.g. {"single", "mpi", "nccl"}.
std::vector<std::string> compiledBackends();

}  // namespace cog::comms
