// The local launcher with real child processes: exit codes, signals, process groups, the
// SIGTERM -> grace -> SIGKILL stop, and the log file.
#include "coordinator/launch/local_launcher.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "common/error.hpp"
#include "coordinator/launch/process_group.hpp"
#include "tests/coordinator/core/scoped_env.hpp"

namespace cog::coord {
namespace {

namespace fs = std::filesystem;

class LocalLauncherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cog_launcher_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    LocalLauncherOptions options;
    options.worker = "/bin/sh";  // the "worker" runs the script given as its arguments
    launcher_ = std::make_unique<LocalLauncher>(strand_, options);
  }
  void TearDown() override { fs::remove_all(dir_); }

  LaunchRequest request(const std::string& script) {
    LaunchRequest r;
    r.job = "j";
    r.worker_args = {"-c", script};
    r.env = {{"COG_JOB", "j"}};
    r.log_file = dir_ / "worker.log";
    return r;
  }
  // Runs the io_context until the attempt ends (bounded); on `launcher`, or the fixture's.
  ExitStatus runUntilExit(int64_t& id, const LaunchRequest& r, std::function<void(int64_t)> after_start = {},
                          LocalLauncher* launcher = nullptr) {
    std::optional<ExitStatus> status;
    id = (launcher ? launcher : launcher_.get())->start(r, [&](const ExitStatus& s) { status = s; });
    if (after_start) after_start(id);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!status && std::chrono::steady_clock::now() < deadline) io_.run_for(std::chrono::milliseconds(50));
    EXPECT_TRUE(status.has_value()) << "child did not end within 20 s";
    ExitStatus never;
    never.exit_code = -99;
    return status.value_or(never);
  }
  std::string log() {
    std::ifstream in(dir_ / "worker.log");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  boost::asio::io_context io_;
  LocalLauncher::Executor strand_{boost::asio::make_strand(io_)};
  std::unique_ptr<LocalLauncher> launcher_;
  fs::path dir_;
};

TEST_F(LocalLauncherTest, ReportsExitCodeAndWritesTheLogWithTheEnvironment) {
  int64_t id = 0;
  auto status = runUntilExit(id, request("echo job=$COG_JOB threads=$OMP_NUM_THREADS; exit 17"));
  EXPECT_EQ(status.exit_code, 17);
  EXPECT_FALSE(status.success());
  EXPECT_EQ(status.describe(), "exit code 17");
  EXPECT_NE(log().find("job=j threads=1"), std::string::npos) << log();
  EXPECT_EQ(launcher_->running(), 0u);
}

TEST_F(LocalLauncherTest, ChildRunsInItsOwnProcessGroup) {
  int64_t id = 0;
  auto status = runUntilExit(id, request("[ $(ps -o pgid= -p $$) -eq $$ ]"));
  EXPECT_TRUE(status.success()) << status.describe();
}

TEST_F(LocalLauncherTest, StopSendsTermThenKillsTheWholeGroup) {
  int64_t id = 0;
  // The shell ignores SIGTERM and has a child in its group: only SIGKILL ends them.
  auto status = runUntilExit(id, request("trap '' TERM; sleep 60 & sleep 60; wait"), [this](int64_t started) {
    io_.run_for(std::chrono::milliseconds(300));
    launcher_->stop(started, std::chrono::milliseconds(300));
  });
  EXPECT_EQ(status.signal, SIGKILL) << status.describe();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (processGroupAlive(id) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_FALSE(processGroupAlive(id)) << "the backgrounded sleep outlived its group";
}

TEST_F(LocalLauncherTest, GracefulStopEndsWithTheChildsOwnExit) {
  int64_t id = 0;
  auto status = runUntilExit(id, request("trap 'exit 0' TERM; while :; do sleep 0.05; done"), [this](int64_t started) {
    io_.run_for(std::chrono::milliseconds(300));
    launcher_->stop(started, std::chrono::seconds(10));
  });
  EXPECT_TRUE(status.success()) << status.describe();
}

TEST_F(LocalLauncherTest, MissingBinaryIsExit127WithTheReasonInTheLog) {
  LocalLauncherOptions options;
  options.worker = "/nonexistent/cogworker";
  launcher_ = std::make_unique<LocalLauncher>(strand_, options);
  int64_t id = 0;
  auto status = runUntilExit(id, request(""));
  EXPECT_EQ(status.exit_code, 127);
  EXPECT_NE(log().find("exec failed"), std::string::npos);
}

TEST_F(LocalLauncherTest, MultiRankCommandLineUsesMpirun) {
  LocalLauncherOptions options;
  options.worker = "/opt/cogworker";
  options.mpirun_args = {"--oversubscribe"};
  LocalLauncher launcher(strand_, options);
  LaunchRequest r;
  r.ranks = 2;
  r.worker_args = {"train"};
  EXPECT_EQ(launcher.commandLine(r),
            (std::vector<std::string>{"mpirun", "-np", "2", "--oversubscribe", "/opt/cogworker", "train"}));
  r.ranks = 1;
  EXPECT_EQ(launcher.commandLine(r), (std::vector<std::string>{"/opt/cogworker", "train"}));
}

TEST_F(LocalLauncherTest, MultiRankAttemptThatMpirunWouldRefuseAsRootIsNotStarted) {
  if (::geteuid() != 0) GTEST_SKIP() << "Open MPI refuses only root; this test does not run as root";
  ScopedEnv not_allowed("OMPI_ALLOW_RUN_AS_ROOT", std::nullopt);
  LocalLauncherOptions options;
  options.worker = "/bin/sh";
  options.mpirun_args = {"--oversubscribe"};
  LocalLauncher launcher(strand_, options);
  auto r = request("exit 0");
  r.ranks = 2;
  try {
    launcher.start(r, [](const ExitStatus&) {});
    ADD_FAILURE() << "a 2-rank attempt started as root without --allow-run-as-root";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--allow-run-as-root"), std::string::npos) << e.what();
  }
  EXPECT_EQ(launcher.running(), 0u);
  // One rank needs no mpirun: the same launcher still starts it.
  r.ranks = 1;
  int64_t id = 0;
  EXPECT_EQ(runUntilExit(id, r, {}, &launcher).exit_code, 0);
}

}  // namespace
}  // namespace cog::coord
