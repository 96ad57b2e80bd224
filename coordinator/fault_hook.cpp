#include "coordinator/fault_hook.hpp"

#include <signal.h>
#include <unistd.h>

#include <iostream>

#include "common/error.hpp"

namespace cog::coord {

FaultHook::FaultHook(const std::string& spec) {
  if (spec.empty()) return;
  const auto colon = spec.find(':');
  const std::string name = spec.substr(0, colon);
  if (name == "attempt_committed")
    point_ = FaultPoint::kAttemptCommitted;
  else if (name == "process_started")
    point_ = FaultPoint::kProcessStarted;
  else if (name == "divergence_stop")
    point_ = FaultPoint::kDivergenceStop;
  else if (name == "metrics_uncommitted")
    point_ = FaultPoint::kMetricsUncommitted;
  else {
    throw ConfigError(
        "COG_FAULT_AT=" + spec +
        ": expected attempt_committed, process_started, divergence_stop or metrics_uncommitted, "
        "optionally followed by :N");
  }
  remaining_ = 1;
  if (colon != std::string::npos) {
    try {
      remaining_ = std::stoll(spec.substr(colon + 1));
    } catch (const std::exception&) {
      remaining_ = 0;
    }
    if (remaining_ < 1)
      throw ConfigError("COG_FAULT_AT=" + spec + ": the count after ':' must be a number >= 1");
  }
}

void FaultHook::reached(FaultPoint point) {
  if (point != point_ || --remaining_ > 0) return;
  std::cout << "cogcoord: COG_FAULT_AT reached: killing this coordinator" << std::endl;
  ::kill(::getpid(), SIGKILL);
}

}  // namespace cog::coord
