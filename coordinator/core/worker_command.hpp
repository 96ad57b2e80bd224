#pragma once
// How an attempt the supervisor decided on becomes a launcher request: cogworker's arguments
// and the environment that tells rank 0 where to report and identifies the attempt's
// processes. Launcher-independent (local and Slurm launchers run the same worker command).
#include <string>

#include "coordinator/core/supervisor_actions.hpp"
#include "coordinator/experiment/experiment_config.hpp"
#include "coordinator/launch/launcher.hpp"
#include "coordinator/state_dir.hpp"

namespace cog::coord {

// `cogworker train --config C --run-dir D [--set k=v]... [--init-from CKPT]`, with
// COG_COORDINATOR / COG_JOB / COG_ATTEMPT / COG_ATTEMPT_DIR in the environment and the
// attempt's log file.
LaunchRequest makeLaunchRequest(const JobSpec& job, const StartAttempt& start,
                                const std::string& wire_endpoint, const StateDir& state);

}  // namespace cog::coord
