// A training-like loop of allreduces in which rank 1 SIGKILLs itself part-way (the fault
// test, after gloo's transport_test). Rank 0 must not hang: either mpirun's SIGTERM (sent
// to the survivors when a rank dies) raises abort_requested, or the collective's timeout
// fires; both end the pending wait with a CommsError, printed to stderr, and exit code 1.
//
// usage: mpirun -np 2 comms_fault_probe [kill_at_iteration] [timeout_ms]
#include <torch/torch.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/error.hpp"
#include "comms/bootstrap.hpp"
#include "comms/collective.hpp"

namespace {

// A signal handler can reach only static storage; this flag is the one piece, and a
// lock-free atomic is safe to store from the handler.
std::atomic<bool> abort_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free);

void onSigterm(int) { abort_requested.store(true); }

}  // namespace

int main(int argc, char** argv) {
  const int kill_at = argc > 1 ? std::atoi(argv[1]) : 20;
  const int timeout_ms = argc > 2 ? std::atoi(argv[2]) : 10000;
  struct sigaction action {};
  action.sa_handler = onSigterm;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);

  int rank = -1;
  try {
    // No MpiRuntime of its own, as in cogworker: the collective starts MPI, and after a
    // failure exits without MPI_Finalize (which would wait for the dead rank).
    const auto info = cog::comms::rankInfoFromEnvironment(&std::getenv);
    rank = info.rank;
    cog::comms::CollectiveOptions options;
    options.timeout = std::chrono::milliseconds(timeout_ms);
    options.abort_requested = &abort_requested;
    // Nothing but allreduces here: a live peer would answer at once, so any SIGTERM means a
    // dead one and the probe gives up immediately (mpirun's SIGKILL follows within ~1 s).
    options.abort_grace = std::chrono::milliseconds(0);
    auto collective = cog::comms::makeCollective(options, info, torch::kCPU);
    auto gradient = torch::ones({256 * 1024});  // 1 MiB
    for (int step = 0; step < 10 * kill_at + 100; ++step) {
      if (rank == 1 && step == kill_at) std::raise(SIGKILL);
      collective->allreduce(gradient, cog::comms::ReduceOp::kAvg);
    }
    std::printf("rank %d: every allreduce completed, but rank 1 should have died\n", rank);
    return 0;
  } catch (const cog::CommsError& error) {
    std::fprintf(stderr, "comms_fault_probe rank %d: CommsError: %s\n", rank, error.what());
    return 1;
  }
}
