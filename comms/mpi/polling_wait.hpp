#pragma once
// The one wait loop behind every Work::wait(): poll a completion test until it reports done,
// the timeout passes, or abort_requested is raised (STYLE.md rule 6). Shared by the MPI and
// NCCL backends so both fail with the same words.
#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace cog::comms {

struct PollingWait {
  std::string what;  // "allreduce of 1048576 bytes": the operation as the error names it
  int rank = 0;
  int size = 1;
  std::chrono::milliseconds timeout{30000};
  const std::atomic<bool>* abort_requested = nullptr;
  std::chrono::milliseconds abort_grace{0};  // see CollectiveOptions::abort_grace

  // Calls done() until it returns true (then returns nullopt), or returns the failure
  // message: "allreduce of 1048576 bytes on rank 1/2 timed out after 30000 ms (a peer may
  // have died)" or "... aborted after 812 ms (abort requested: ...)". done() may throw.
  std::optional<std::string> run(const std::function<bool()>& done) const;
};

}  // namespace cog::comms
