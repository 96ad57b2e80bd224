#pragma once
// An in-flight MPI non-blocking collective, and the state it shares with its collective.
#include <mpi.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "comms/collective.hpp"

namespace cog::comms {

// Owned by the MpiCollective and by each of its works. Not thread-safe: a collective and its
// works are used by one thread at a time (only abort_requested crosses threads).
struct MpiCommState {
  MPI_Comm comm = MPI_COMM_NULL;
  int rank = 0;
  int size = 1;
  CollectiveOptions options;
  // The first wait that failed; every later operation refuses to start (the peers are out
  // of step, so a new collective would match the wrong one).
  std::optional<std::string> failure;
  // Requests whose Work was destroyed before they completed. MPI may still write into the
  // tensor, so it is kept alive here until the request completes.
  struct Abandoned {
    MPI_Request request;
    torch::Tensor tensor;
  };
  std::vector<Abandoned> abandoned;

  // Throws "<what>: this <backend> collective is unusable after an earlier failure: ...".
  void throwIfFailed(const std::string& what) const;
  // Tests each abandoned request once and forgets those that have completed.
  void forgetCompleted();
};

class MpiWork final : public Work {
 public:
  // `tensor` may be undefined (barrier). When `average` is set, wait() divides the summed
  // tensor by the world size.
  MpiWork(std::shared_ptr<MpiCommState> state, MPI_Request request, torch::Tensor tensor,
          bool average, std::string what);
  ~MpiWork() override;
  MpiWork(const MpiWork&) = delete;
  MpiWork& operator=(const MpiWork&) = delete;

  void wait() override;

 private:
  std::shared_ptr<MpiCommState> state_;
  MPI_Request request_;
  torch::Tensor tensor_;
  bool average_;
  std::string what_;
  bool done_ = false;
  std::optional<std::string> failure_;
};

}  // namespace cog::comms
