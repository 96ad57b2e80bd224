#include "comms/mpi/polling_wait.hpp"

#include <algorithm>
#include <thread>

namespace cog::comms {
namespace {

using Clock = std::chrono::steady_clock;

// MPI's non-blocking collectives (OpenMPI's libnbc) advance only inside MPI calls, so a wait
// that sleeps stalls the transfer itself, not just its own wake-up. Poll flat out for the
// first 20 us (a small allreduce completes within that, and a sched_yield per poll costs as
// much as the transfer: 4 KiB took 4.2 us instead of 1.5), then with a yield up to 50 ms,
// which covers a 64 MiB allreduce on one node; only a wait that long is for a late peer, and
// then sleeping (50 us doubling to 1 ms) frees the core for a co-located rank while still
// noticing an abort within a millisecond.
constexpr auto kBusyWindow = std::chrono::microseconds(20);
constexpr auto kSpinWindow = std::chrono::milliseconds(50);
constexpr auto kFirstSleep = std::chrono::microseconds(50);
constexpr auto kMaxSleep = std::chrono::microseconds(1000);

long long millisecondsSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

}  // namespace

std::optional<std::string> PollingWait::run(const std::function<bool()>& done) const {
  const auto where = [this] {
    return what + " on rank " + std::to_string(rank) + "/" + std::to_string(size);
  };
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  auto sleep = kFirstSleep;
  std::optional<Clock::time_point> abort_deadline;  // set once the abort is first seen
  while (!done()) {
    const auto now = Clock::now();
    if (!abort_deadline && abort_requested != nullptr && abort_requested->load(std::memory_order_relaxed)) {
      abort_deadline = now + abort_grace;
    }
    if (abort_deadline && now >= *abort_deadline)
      return where() + " aborted after " + std::to_string(millisecondsSince(start)) +
             " ms (abort requested, e.g. SIGTERM from the launcher after a peer died)";
    if (now >= deadline)
      return where() + " timed out after " + std::to_string(timeout.count()) +
             " ms (a peer may have died)";
    if (now - start < kBusyWindow) {
      continue;
    } else if (now - start < kSpinWindow) {
      std::this_thread::yield();
    } else {
      std::this_thread::sleep_for(sleep);
      sleep = std::min(sleep * 2, kMaxSleep);
    }
  }
  return std::nullopt;
}

}  // namespace cog::comms
