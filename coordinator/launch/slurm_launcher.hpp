#pragma once
// The Slurm launcher: each attempt is one `sbatch` job (slurm_script.hpp) whose R tasks are
// the job's data-parallel ranks. Its Slurm job id is the attempt's launch id (stored with the
// attempt, so `cogcoord resume` adopts jobs still queued or running instead of killing them).
//
// Watching: one `squeue` for all of the experiment's jobs, on a worker thread so a slow
// slurmctld never stalls the coordinator's executor; never more often than poll_min_s (1 s),
// backing off to poll_max_s (30 s) while nothing changes, back to the minimum after any
// change, start or stop. A job that leaves squeue's list (or ends in it) is read once more
// with `scontrol show job` for its exit code. No sacct: many clusters have no slurmdbd.
//
// Stopping: `scancel --signal=USR1` reaches every rank (each checkpoints at its next step
// boundary and exits, as on SIGTERM), then `scancel` after the grace period. A job still
// queued is cancelled at once. At a time limit Slurm itself sends SIGTERM and kills after
// its KillWait: the worker's checkpoint must fit in it.
//
// Threads: every member is touched on `executor` only, except the poll's commands, which
// run on `poller_` with copies of what they need and post their results back.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <map>
#include <memory>

#include "coordinator/launch/launcher.hpp"
#include "coordinator/launch/slurm_job.hpp"
#include "coordinator/launch/slurm_script.hpp"

namespace cog::coord {

struct SlurmLauncherOptions {
  SlurmScriptOptions script;
  std::string sbatch = "sbatch";  // the commands (tests may give wrappers)
  std::string squeue = "squeue";
  std::string scontrol = "scontrol";
  std::string scancel = "scancel";
  std::chrono::milliseconds command_limit{30000};  // a Slurm command taking longer has failed
};

class SlurmLauncher final : public Launcher {
 public:
  using Executor = boost::asio::strand<boost::asio::io_context::executor_type>;
  SlurmLauncher(Executor executor, SlurmLauncherOptions options);
  ~SlurmLauncher() override;

  const char* kind() const override { return "slurm"; }
  // Writes RUN_DIR/slurm.sbatch and submits it (sbatch runs on the executor: it returns as
  // soon as slurmctld queued the job). Throws cog::Error with sbatch's message on failure.
  int64_t start(const LaunchRequest& request, ExitCallback on_exit) override;
  void stop(int64_t id, std::chrono::milliseconds grace) override;
  void kill(int64_t id) override;
  bool alive(int64_t id) const override { return jobs_.count(id) > 0; }
  size_t running() const override { return jobs_.size(); }
  std::optional<std::string> queuedReason(int64_t id) const override;
  // A job still queued or running (scontrol show job) is watched again: kAdopted. An attempt
  // whose sbatch never returned an id (launch_id 0) is looked up by its job name and
  // cancelled: kGone.
  Adoption adoptOrTerminate(const OpenAttempt& attempt, std::chrono::milliseconds grace,
                            ExitCallback on_exit) override;
  void shutdown() override;

 private:
  struct Job {
    ExitCallback on_exit;
    SlurmJobInfo last;  // what the newest poll said
    std::unique_ptr<boost::asio::steady_timer> cancel_timer;
  };
  struct PollResult {
    bool ok = false;
    std::string error;
    std::map<int64_t, SlurmJobInfo> listed;  // squeue's lines for our jobs
    std::map<int64_t, SlurmJobInfo> ended;   // scontrol's word on those that ended or vanished
  };
  void schedulePoll(std::chrono::milliseconds delay);
  void pollSoon();
  PollResult poll(const std::vector<int64_t>& ids) const;  // on poller_
  void apply(const PollResult& result);
  void scancel(std::vector<std::string> args);  // fire and forget, on poller_

  Executor executor_;
  SlurmLauncherOptions options_;
  boost::asio::steady_timer poll_timer_;
  boost::asio::thread_pool poller_{1};
  std::map<int64_t, Job> jobs_;  // by Slurm job id
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point last_poll_{};
  bool polling_ = false;  // a poll is running on poller_
  bool stopped_ = false;
};

}  // namespace cog::coord
