#pragma once
// How a job attempt becomes running processes. One small interface; backends beside it:
// local.* (fork + exec of mpirun/cogworker in its own process group) and, later, slurm.*
// (sbatch + squeue). Picked at run time from the experiment's `launcher.kind`.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace cog::coord {

struct LaunchRequest {
  std::string job;
  int attempt = 1;
  int ranks = 1;                          // > 1: an MPI world of that many cogworker ranks
  std::vector<std::string> worker_args;   // after the cogworker binary: "train", "--config", ...
  std::vector<std::pair<std::string, std::string>> env;  // added to the coordinator's environment
  std::filesystem::path log_file;         // stdout and stderr of every rank go here
};

// How an attempt's processes ended.
struct ExitStatus {
  int exit_code = 0;   // the launcher process's code; -1 when killed by a signal
  int signal = 0;      // the signal that killed it, or 0
  std::string describe() const;
  bool success() const { return exit_code == 0 && signal == 0; }
};

using ExitCallback = std::function<void(const ExitStatus&)>;

class Launcher {
 public:
  virtual ~Launcher() = default;
  // Starts the attempt and returns an id for stop() (a process group id for `local`).
  // `on_exit` runs once, on the coordinator's executor, when every process of it is gone.
  // Throws cog::Error when nothing could be started.
  virtual int64_t start(const LaunchRequest& request, ExitCallback on_exit) = 0;
  // Asks the attempt to stop (SIGTERM: the worker checkpoints and exits), then kills it
  // after `grace`. Returns at once; on_exit reports the end.
  virtual void stop(int64_t id, std::chrono::milliseconds grace) = 0;
  // Attempts still running.
  virtual size_t running() const = 0;
};

}  // namespace cog::coord
