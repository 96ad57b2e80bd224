// The Slurm launcher against stand-in sbatch/squeue/scontrol/scancel scripts (the real
// cluster is tests/integration/slurm_test.sh): submission, the queue reason, the stop's two
// scancels, an end read from scontrol, and the adoption of an attempt whose id was never
// stored. Runs without Slurm or root.
#include "coordinator/launch/slurm_launcher.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace cog::coord {
namespace {

namespace fs = std::filesystem;

class SlurmLauncherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cog_slurm_launcher_" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "run");
    setState("PENDING", "Resources");
    // Each stand-in reads the job's state from files the test writes, and logs its arguments.
    script("sbatch", "echo \"sbatch $*\" >>" + (dir_ / "calls").string() + "; echo '4242;cluster'");
    script("squeue", "echo \"squeue $*\" >>" + (dir_ / "calls").string() +
                         "; case \"$*\" in *--name=*) echo 77;; *) echo \"4242|$(cat " +
                         (dir_ / "state").string() + ")|$(cat " + (dir_ / "reason").string() + ")\";; esac");
    script("scontrol", "echo \"JobId=4242 JobName=x JobState=$(cat " + (dir_ / "state").string() +
                           ") Reason=TimeLimit ExitCode=0:15\"");
    script("scancel", "echo \"scancel $*\" >>" + (dir_ / "calls").string());
    SlurmLauncherOptions options;
    options.script.experiment = "exp";
    options.script.worker = "/opt/cogworker";
    options.script.slurm.poll_min_s = 0.05;  // the config refuses < 1 s; fast for the test
    options.script.slurm.poll_max_s = 0.2;
    options.sbatch = (dir_ / "sbatch").string();
    options.squeue = (dir_ / "squeue").string();
    options.scontrol = (dir_ / "scontrol").string();
    options.scancel = (dir_ / "scancel").string();
    launcher_ = std::make_unique<SlurmLauncher>(strand_, options);
  }
  void TearDown() override {
    launcher_.reset();
    fs::remove_all(dir_);
  }
  void script(const std::string& name, const std::string& body) {
    std::ofstream(dir_ / name) << "#!/bin/sh\n" << body << "\n";
    fs::permissions(dir_ / name, fs::perms::owner_all);
  }
  void setState(const std::string& state, const std::string& reason) {
    std::ofstream(dir_ / "state") << state;
    std::ofstream(dir_ / "reason") << reason;
  }
  std::string calls() {
    std::ifstream in(dir_ / "calls");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  // Runs the io_context until `done` (bounded, 10 s).
  bool runUntil(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < deadline) io_.run_for(std::chrono::milliseconds(20));
    return done();
  }

  boost::asio::io_context io_;
  SlurmLauncher::Executor strand_{boost::asio::make_strand(io_)};
  std::unique_ptr<SlurmLauncher> launcher_;
  fs::path dir_;
};

TEST_F(SlurmLauncherTest, SubmitsWatchesStopsAndReadsTheEnd) {
  LaunchRequest request;
  request.job = "reasoning";
  request.attempt = 1;
  request.ranks = 2;
  request.run_dir = dir_ / "run";
  request.log_file = dir_ / "run" / "worker.log";
  std::optional<ExitStatus> ended;
  const int64_t id = launcher_->start(request, [&](const ExitStatus& s) { ended = s; });
  EXPECT_EQ(id, 4242);
  EXPECT_TRUE(fs::exists(dir_ / "run" / "slurm.sbatch"));
  EXPECT_NE(calls().find("sbatch --parsable " + (dir_ / "run" / "slurm.sbatch").string()), std::string::npos);
  EXPECT_FALSE(launcher_->queuedReason(id)) << "not queued before squeue says so";
  ASSERT_TRUE(runUntil([&] { return launcher_->queuedReason(id).has_value(); }));
  EXPECT_EQ(*launcher_->queuedReason(id), "Resources");
  setState("RUNNING", "None");
  ASSERT_TRUE(runUntil([&] { return !launcher_->queuedReason(id).has_value(); }));
  EXPECT_TRUE(launcher_->alive(id));

  launcher_->stop(id, std::chrono::milliseconds(100));
  ASSERT_TRUE(runUntil([&] { return calls().find("scancel 4242") != std::string::npos; }))
      << "the grace ends in a plain scancel";
  EXPECT_NE(calls().find("scancel --signal=USR1 4242"), std::string::npos) << calls();
  setState("TIMEOUT", "TimeLimit");
  ASSERT_TRUE(runUntil([&] { return ended.has_value(); }));
  EXPECT_EQ(ended->scheduler, SchedulerEnd::kTimeLimit);
  EXPECT_EQ(ended->signal, 15);
  EXPECT_FALSE(launcher_->alive(id));
  EXPECT_EQ(launcher_->running(), 0u);
}

TEST_F(SlurmLauncherTest, AnAttemptWithoutAStoredIdIsFoundByNameAndCancelled) {
  const Adoption a = launcher_->adoptOrTerminate({"reasoning", 3, 0, dir_ / "run"},
                                                 std::chrono::milliseconds(100), [](const ExitStatus&) {});
  EXPECT_EQ(a, Adoption::kGone);
  EXPECT_NE(calls().find("--name=cog-exp-reasoning-a3"), std::string::npos) << calls();
  EXPECT_NE(calls().find("scancel 77"), std::string::npos) << calls();
}

TEST_F(SlurmLauncherTest, AJobStillQueuedOrRunningIsAdopted) {
  setState("RUNNING", "None");
  std::optional<ExitStatus> ended;
  const Adoption a = launcher_->adoptOrTerminate({"reasoning", 2, 4242, dir_ / "run"},
                                                 std::chrono::milliseconds(100),
                                                 [&](const ExitStatus& s) { ended = s; });
  EXPECT_EQ(a, Adoption::kAdopted);
  EXPECT_TRUE(launcher_->alive(4242));
  setState("COMPLETED", "None");
  ASSERT_TRUE(runUntil([&] { return ended.has_value(); }));
}

}  // namespace
}  // namespace cog::coord
