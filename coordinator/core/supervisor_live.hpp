#pragma once
// Private to coordinator/core/job_supervisor*.cpp: what the supervisor knows about the
// current attempt between its launch and its conclusion. Times are Instant::steady seconds.
#include <optional>
#include <string>

#include "coordinator/core/job_supervisor.hpp"

namespace cog::coord {

struct JobSupervisor::Live {
  Live(int attempt_number, double now)
      : attempt(attempt_number), launched_at(now), last_heard(now), last_progress(now) {}

  int attempt;
  double launched_at;
  double last_heard;        // any message of this attempt
  double last_progress;     // a heartbeat with new progress, a report, a checkpoint
  uint64_t progress = 0;    // the newest heartbeat's progress counter
  bool heard_from = false;  // rank 0 said anything yet

  PlannedEnd planned = PlannedEnd::kNone;
  std::string planned_reason;
  double stop_told_at = -1;  // when a stop command was sent (-1: none)
  bool escalated = false;    // StopProcesses issued after the stop command's grace

  std::optional<wire::RunEnd> worker_end;  // from its RunFinished
  std::string worker_detail;

  ExitStatus exit;
  bool exit_known = false;  // its processes are gone (and exit says how)
  double exited_at = 0;
  bool log_requested = false;  // ReadAttemptLog issued; onLogRead concludes
};

}  // namespace cog::coord
