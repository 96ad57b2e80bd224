#pragma once
// The local launcher: each attempt is `mpirun -np R cogworker …` (or cogworker alone when
// R = 1) started in its own process group with its own log file. Child exits are seen
// through SIGCHLD on the coordinator's io_context (plus a slow poll, since signals
// coalesce); stop() is SIGTERM to the whole group, then SIGKILL after the grace period.
// A multi-rank attempt that Open MPI's mpirun would refuse to start as root is not started:
// start() throws with the fix, so the job fails at once (mpirun_root_check.hpp).
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "coordinator/launch/launcher.hpp"

namespace cog::coord {

struct LocalLauncherOptions {
  std::string worker;      // cogworker binary path
  std::string mpirun = "mpirun";
  std::vector<std::string> mpirun_args;
  int threads_per_rank = 1;
};

class LocalLauncher final : public Launcher {
 public:
  using Executor = boost::asio::strand<boost::asio::io_context::executor_type>;
  LocalLauncher(Executor executor, LocalLauncherOptions options);
  ~LocalLauncher() override;

  const char* kind() const override { return "local"; }
  int64_t start(const LaunchRequest& request, ExitCallback on_exit) override;
  void stop(int64_t id, std::chrono::milliseconds grace) override;
  void kill(int64_t id) override { stop(id, std::chrono::milliseconds(0)); }
  bool alive(int64_t id) const override { return children_.count(id) > 0; }
  size_t running() const override { return children_.size(); }
  // The processes of another coordinator are not this one's children (no exit status can be
  // waited for): they are found by their environment (COG_ATTEMPT_DIR = the attempt's run
  // folder), told to stop (they checkpoint) and killed after `grace`. Always kGone.
  Adoption adoptOrTerminate(const OpenAttempt& attempt, std::chrono::milliseconds grace,
                            ExitCallback on_exit) override;
  // Cancels the signal wait and the poll. Call on the executor.
  void shutdown() override;

  // The argv start() would exec (for tests and the attempt record).
  std::vector<std::string> commandLine(const LaunchRequest& request) const;

 private:
  struct Child {
    ExitCallback on_exit;
    std::unique_ptr<boost::asio::steady_timer> kill_timer;
  };
  void watchSignals();
  void schedulePoll();
  void reap();

  Executor executor_;
  LocalLauncherOptions options_;
  boost::asio::signal_set sigchld_;
  boost::asio::steady_timer poll_timer_;
  std::map<int64_t, Child> children_;  // by pid (= process group id)
  bool stopped_ = false;               // after shutdown(): queued handlers do nothing
  // Whether mpirun would refuse to run as root (mpirun_root_check.hpp), asked once, at the
  // first multi-rank attempt.
  bool root_checked_ = false;
  std::optional<std::string> root_refusal_;
};

}  // namespace cog::coord
