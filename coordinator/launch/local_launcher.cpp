#include "coordinator/launch/local_launcher.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <set>

#include "common/error.hpp"
#include "coordinator/launch/mpirun_root_check.hpp"
#include "coordinator/launch/process_group.hpp"

extern char** environ;

namespace cog::coord {
namespace {

// The child's environment: the coordinator's, with the request's variables replacing
// any of the same name.
std::vector<std::string> childEnvironment(const std::vector<std::pair<std::string, std::string>>& extra) {
  std::set<std::string> replaced;
  for (const auto& [name, value] : extra) replaced.insert(name);
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    if (!replaced.count(entry.substr(0, entry.find('=')))) env.push_back(entry);
  }
  for (const auto& [name, value] : extra) env.push_back(name + "=" + value);
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

LocalLauncher::LocalLauncher(Executor executor, LocalLauncherOptions options)
    : executor_(std::move(executor)),
      options_(std::move(options)),
      sigchld_(executor_.get_inner_executor().context(), SIGCHLD),
      poll_timer_(executor_) {
  watchSignals();
  schedulePoll();
}

LocalLauncher::~LocalLauncher() { shutdown(); }

void LocalLauncher::shutdown() {
  stopped_ = true;
  boost::system::error_code ignored;
  sigchld_.cancel(ignored);
  poll_timer_.cancel();
  for (auto& [pid, child] : children_) {
    if (child.kill_timer) child.kill_timer->cancel();
  }
}

std::vector<std::string> LocalLauncher::commandLine(const LaunchRequest& request) const {
  std::vector<std::string> argv;
  if (request.ranks > 1) {
    argv = {options_.mpirun, "-np", std::to_string(request.ranks)};
    argv.insert(argv.end(), options_.mpirun_args.begin(), options_.mpirun_args.end());
    if (!request.rank_logs_dir.empty()) {
      // Each rank's output also in its own file (stdout and stderr merged, in order), so
      // rank 1's error is not lost inside rank 0's lines: RUN/ranks/rank.N/stdout.
      argv.insert(argv.end(), {"--merge-stderr-to-stdout", "--output-filename", request.rank_logs_dir.string() + ":nojobid"});
    }
  }
  argv.push_back(options_.worker);
  argv.insert(argv.end(), request.worker_args.begin(), request.worker_args.end());
  return argv;
}

int64_t LocalLauncher::start(const LaunchRequest& request, ExitCallback on_exit) {
  if (request.ranks > 1) {
    if (!root_checked_) {
      // Blocks once, for `mpirun --version` (tens of milliseconds), and only as root.
      root_refusal_ = mpirunRootRefusal(mpirunRootFacts(options_.mpirun, options_.mpirun_args), options_.mpirun);
      root_checked_ = true;
    }
    if (root_refusal_) throw Error(*root_refusal_);  // the job fails now, with the fix in its reason
  }
  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  auto argv_strings = commandLine(request);
  auto env_vars = request.env;
  env_vars.emplace_back("OMP_NUM_THREADS", std::to_string(options_.threads_per_rank));
  auto env_strings = childEnvironment(env_vars);
  auto argv = pointers(argv_strings);
  auto envp = pointers(env_strings);
  const int log_fd = ::open(request.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    throw Error(request.log_file.string() + ": cannot open the attempt's log file: " + std::strerror(errno));
  }
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(log_fd);
    ::close(null_fd);
    throw Error("fork for job " + request.job + " failed: " + std::strerror(err));
  }
  if (pid == 0) {
    // Own process group: stop() signals the whole group (mpirun and its ranks), and the
    // terminal's Ctrl-C reaches only the coordinator, which then stops jobs cleanly.
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    // Nothing else of the coordinator's is inherited: a worker outliving a killed
    // coordinator must not hold its HTTP or ZeroMQ ports (Asio and ZeroMQ do not always
    // open them close-on-exec), or `cogcoord resume` could not bind them again.
    ::close_range(3, ~0U, 0);
    ::execvpe(argv[0], argv.data(), envp.data());
    const char* msg = "cogcoord: exec failed: ";
    (void)!::write(2, msg, std::strlen(msg));
    (void)!::write(2, argv[0], std::strlen(argv[0]));
    (void)!::write(2, "\n", 1);
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also from the parent: whichever runs first wins the race
  ::close(log_fd);
  ::close(null_fd);
  children_[pid] = Child{std::move(on_exit), nullptr};
  return pid;
}

void LocalLauncher::stop(int64_t id, std::chrono::milliseconds grace) {
  auto it = children_.find(id);
  if (it == children_.end()) return;
  ::kill(-static_cast<pid_t>(id), SIGTERM);
  if (it->second.kill_timer) return;  // already stopping: keep the first deadline
  it->second.kill_timer = std::make_unique<boost::asio::steady_timer>(executor_, grace);
  it->second.kill_timer->async_wait([this, id](const boost::system::error_code& ec) {
    if (ec || stopped_ || !children_.count(id)) return;
    ::kill(-static_cast<pid_t>(id), SIGKILL);
  });
}

Adoption LocalLauncher::adoptOrTerminate(const OpenAttempt& attempt, std::chrono::milliseconds grace,
                                         ExitCallback /*on_exit*/) {
  const auto pids = processesWithEnvironment(std::string(kAttemptDirEnv) + "=" + attempt.run_dir.string());
  terminateProcesses(pids, grace);
  return Adoption::kGone;
}

void LocalLauncher::watchSignals() {
  sigchld_.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec || stopped_) return;
    boost::asio::post(executor_, [this] {
      if (!stopped_) reap();
    });
    watchSignals();
  });
}

// SIGCHLD can coalesce or arrive before start() recorded the child: a slow poll is the
// safety net.
void LocalLauncher::schedulePoll() {
  poll_timer_.expires_after(std::chrono::milliseconds(250));
  poll_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    reap();
    schedulePoll();
  });
}

void LocalLauncher::reap() {
  std::vector<std::pair<ExitCallback, ExitStatus>> ended;
  for (auto it = children_.begin(); it != children_.end();) {
    int status = 0;
    const pid_t r = ::waitpid(static_cast<pid_t>(it->first), &status, WNOHANG);
    if (r == 0 || (r < 0 && errno == EINTR)) {
      ++it;
      continue;
    }
    ExitStatus exit;
    if (r > 0 && WIFEXITED(status)) exit.exit_code = WEXITSTATUS(status);
    if (r > 0 && WIFSIGNALED(status)) {
      exit.exit_code = -1;
      exit.signal = WTERMSIG(status);
    }
    // The leader is gone; anything left in its group (a rank mpirun failed to take down)
    // goes too, so an ended attempt never holds a slot's CPU.
    ::kill(-static_cast<pid_t>(it->first), SIGKILL);
    ended.emplace_back(std::move(it->second.on_exit), exit);
    it = children_.erase(it);
  }
  for (auto& [callback, status] : ended) callback(status);
}

}  // namespace cog::coord
