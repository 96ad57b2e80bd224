#include "coordinator/core/worker_command.hpp"

namespace cog::coord {

LaunchRequest makeLaunchRequest(const JobSpec& job, const StartAttempt& start,
                                const std::string& wire_endpoint, const StateDir& state) {
  LaunchRequest request;
  request.job = job.name;
  request.attempt = start.attempt;
  request.ranks = start.ranks;
  request.run_dir = start.run_dir;
  request.worker_args = {"train", "--config", job.config, "--run-dir", start.run_dir};
  // The coordinator's retention (checkpoint.keep) deletes checkpoints, knowing which ones a
  // rollback may still need; the worker's own pruning does not, so it keeps every one.
  request.worker_args.insert(request.worker_args.end(), {"--set", "checkpoint.keep_last=0"});
  for (const auto& o : start.overrides) {
    request.worker_args.push_back("--set");
    request.worker_args.push_back(o);
  }
  if (start.from) {
    request.worker_args.push_back("--init-from");
    request.worker_args.push_back(start.from->path);
  }
  request.env = {{"COG_COORDINATOR", wire_endpoint},
                 {"COG_JOB", job.name},
                 {"COG_ATTEMPT", std::to_string(start.attempt)},
                 {kAttemptDirEnv, start.run_dir}};
  request.log_file = state.attemptLog(job.name, start.attempt);
  if (start.ranks > 1) request.rank_logs_dir = rankLogsDir(start.run_dir);
  return request;
}

}  // namespace cog::coord
