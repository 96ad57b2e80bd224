// `cogcoord resume`: the jobs as stored, and what became of the attempts that were running
// when the previous coordinator stopped.
#include "coordinator/coordinator_impl.hpp"

namespace cog::coord {

// Ended jobs stay ended. An attempt the store says was open is adopted by the launcher if
// its processes still run and the launcher can watch them (Slurm), else they are stopped
// (they checkpoint on SIGTERM) and the attempt is concluded from its own log: a divergence
// stored with it rolls back, anything else resumes from the newest healthy checkpoint.
void Coordinator::Impl::resumeJobs() {
  const auto grace =
      std::chrono::milliseconds(static_cast<int64_t>(experiment.launcher.stop_grace_s * 1000));
  // A job concluded here (its attempt lost) frees its slots at once; were the scheduler to run
  // then, a job not yet restored would start afresh as attempt 1, which the store already has.
  resuming = true;
  for (auto& job : jobs) {
    const auto stored = store->job(job->spec().name);
    if (!stored) continue;
    const std::string& id = stored->id;
    job->restore(*stored, store->attempts(id), store->checkpoints(id), store->validations(id));
    const auto open = job->openAttempt();
    if (!open) continue;
    const std::string job_id = id;
    const int attempt = open->attempt;
    // Its workers may still send (their last reports while they stop, or on: adopted).
    reopenAttemptWire(job_id, attempt, open->run_dir);
    const Adoption adoption =
        launcher->adoptOrTerminate({job_id, attempt, open->launch_id, open->run_dir}, grace,
                                   [this, job_id, attempt](const ExitStatus& status) {
                                     onAttemptExit(job_id, attempt, status);
                                   });
    if (adoption == Adoption::kAdopted) {
      handle(*job, [&] { return job->onAdopted(attempt, now()); });
    } else {
      handle(*job, [&] { return job->onAttemptLost(attempt, now()); });
    }
  }
  resuming = false;  // the caller schedules next
}

}  // namespace cog::coord
