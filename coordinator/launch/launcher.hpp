#pragma once
// How a job attempt becomes running processes. One small interface; backends beside it:
// local_launcher.* (fork + exec of mpirun/cogworker in its own process group) and
// slurm_launcher.* (sbatch + squeue). Picked at run time from the experiment's `launcher.kind` by
// makeLauncher (launcher_factory.hpp). The coordinator's core holds only this interface.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cog::coord {

// Environment variable naming an attempt's run folder in every process of it. The folder is
// unique per state dir and attempt, so it identifies the attempt's processes after a
// coordinator restart even when their process group id was reused (makeLaunchRequest sets it).
inline constexpr const char* kAttemptDirEnv = "COG_ATTEMPT_DIR";

struct LaunchRequest {
  std::string job;
  int attempt = 1;
  int ranks = 1;                         // > 1: an MPI world of that many cogworker ranks
  std::vector<std::string> worker_args;  // after the cogworker binary: "train", "--config", ...
  std::vector<std::pair<std::string, std::string>> env;  // added to the coordinator's environment
  std::filesystem::path log_file;                        // stdout and stderr of every rank go here
  std::filesystem::path rank_logs_dir;  // and each rank's own below it, when not empty (ranks > 1)
  std::filesystem::path run_dir;  // the attempt's run folder (created by the caller)
};

// How a cluster scheduler ended an attempt, where it did (kNone: the processes ended on
// their own, or the launcher has no scheduler). The supervisor resumes kTimeLimit and
// kPreempted from the newest checkpoint without counting a restart: the job did nothing wrong.
enum class SchedulerEnd {
  kNone,
  kTimeLimit,    // Slurm TIMEOUT / DEADLINE: its time was up (the worker checkpointed on SIGTERM)
  kPreempted,    // Slurm PREEMPTED: a higher-priority job took the nodes
  kOutOfMemory,  // Slurm OUT_OF_MEMORY
  kNodeFail,     // Slurm NODE_FAIL / BOOT_FAIL
  kCancelled,    // Slurm CANCELLED (by the coordinator's stop, or from outside)
};

// How an attempt's processes ended.
struct ExitStatus {
  int exit_code = 0;  // the launcher process's code; -1 when killed by a signal
  int signal = 0;     // the signal that killed it, or 0
  SchedulerEnd scheduler = SchedulerEnd::kNone;
  std::string scheduler_state;  // the scheduler's own word for the end ("TIMEOUT"), or ""
  std::string describe() const;
  bool success() const { return exit_code == 0 && signal == 0 && scheduler == SchedulerEnd::kNone; }
};

using ExitCallback = std::function<void(const ExitStatus&)>;

// An attempt the store says was running when a previous coordinator stopped.
struct OpenAttempt {
  std::string job;
  int attempt = 0;
  int64_t launch_id = 0;  // what start() returned then (0: the start never completed)
  std::filesystem::path run_dir;
};

enum class Adoption {
  kAdopted,  // still running and now watched: on_exit will report its end
  kGone,     // not running (any process found was stopped: it checkpoints on SIGTERM)
};

class Launcher {
 public:
  virtual ~Launcher() = default;
  // "local", "slurm": for messages.
  virtual const char* kind() const = 0;
  // Starts the attempt and returns its id (a process group id for `local`). `on_exit` runs
  // once, on the coordinator's executor, when every process of it is gone. Throws cog::Error
  // when nothing could be started.
  virtual int64_t start(const LaunchRequest& request, ExitCallback on_exit) = 0;
  // Asks the attempt to stop (SIGTERM: the worker checkpoints and exits), then kills it
  // after `grace`. Returns at once; on_exit reports the end.
  virtual void stop(int64_t id, std::chrono::milliseconds grace) = 0;
  // Kills the attempt now. Returns at once; on_exit reports the end.
  virtual void kill(int64_t id) = 0;
  // True while the attempt started under `id` has not been reported ended.
  virtual bool alive(int64_t id) const = 0;
  // Attempts started or adopted and not yet ended.
  virtual size_t running() const = 0;
  // Why the attempt has not started yet while a cluster scheduler holds it in its queue
  // (Slurm's reason: "Resources", "Priority", ...); nullopt once it runs. A launcher
  // without a queue never holds one (the local launcher's attempts start at once).
  virtual std::optional<std::string> queuedReason(int64_t /*id*/) const { return std::nullopt; }
  // After a coordinator restart: watch the attempt's processes again (kAdopted), or stop
  // them within `grace` and report kGone. May block up to about `grace`.
  virtual Adoption adoptOrTerminate(const OpenAttempt& attempt, std::chrono::milliseconds grace,
                                    ExitCallback on_exit) = 0;
  // Stops watching for exits (timers, signal waits) so the io_context can run out of work;
  // running processes are left alone. The launcher stays valid until destroyed.
  virtual void shutdown() = 0;
};

}  // namespace cog::coord
