#pragma once
// Test-only crash points of the coordinator, so tests can kill it at the instants that matter
// for `cogcoord resume` (tests/integration/coordinator_faults_test.sh). Set through the
// environment as COG_FAULT_AT=<point>[:<n>] (the n-th time the point is reached, default 1),
// read once by the entry point. At the point the coordinator SIGKILLs itself: nothing is
// flushed, no destructor runs, exactly as a `kill -9` there would.
#include <string>

namespace cog::coord {

enum class FaultPoint {
  kNone,
  kAttemptCommitted,    // an attempt row is committed; its processes are not started yet
  kProcessStarted,      // the launcher started the processes; their id is not stored yet
  kDivergenceStop,      // a divergence is stored and the stop sent; the attempt has not ended
  kMetricsUncommitted,  // a batch of metrics is in the store's open transaction, not committed
};

class FaultHook {
 public:
  FaultHook() = default;
  // "" = no fault. Throws ConfigError naming the value when it is not a known point.
  explicit FaultHook(const std::string& spec);
  // Kills the process if `point` is the armed one and this is its n-th time.
  void reached(FaultPoint point);
  bool armed() const { return point_ != FaultPoint::kNone; }

 private:
  FaultPoint point_ = FaultPoint::kNone;
  long long remaining_ = 0;
};

}  // namespace cog::coord
