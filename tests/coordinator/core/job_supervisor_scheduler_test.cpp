// What a cluster scheduler (Slurm) adds to an attempt's life: a wait in its queue, shown as
// queued with the reason, and ends of its own — a time limit or a preemption resumes without
// using up max_restarts; out of memory is reported as such.
#include <gtest/gtest.h>

#include "coordinator/status_view.hpp"
#include "tests/coordinator/core/supervisor_harness.hpp"

namespace cog::coord {
namespace {

using H = testing::SupervisorHarness;

ExitStatus slurmEnd(SchedulerEnd end, const std::string& state, int code = 0, int signal = 0) {
  ExitStatus status;
  status.exit_code = code;
  status.signal = signal;
  status.scheduler = end;
  status.scheduler_state = state;
  return status;
}

TEST(JobSupervisorScheduler, ATimeLimitResumesFromTheNewestCheckpointWithoutUsingARestart) {
  PolicyConfig policies;
  policies.restart.max_restarts = 0;  // a restart would fail the job
  H h(policies);
  h.startRunning();
  h.checkpoint(40, "epoch-0001");
  h.checkpoint(70, "final");
  const Actions out = h.finish(wire::RunEnd::kSignal, slurmEnd(SchedulerEnd::kTimeLimit, "TIMEOUT", 0, 15));
  EXPECT_EQ(H::decisions(out), (std::vector<std::string>{"resume", "launch"}));
  const auto* ended = H::first<SaveAttempt>(out);
  ASSERT_NE(ended, nullptr);
  EXPECT_EQ(ended->row.end, AttemptEnd::kTimeLimit);
  EXPECT_NE(ended->row.end_reason.find("Slurm state TIMEOUT"), std::string::npos) << ended->row.end_reason;
  const auto* start = H::first<StartAttempt>(out);
  ASSERT_NE(start, nullptr);
  EXPECT_EQ(start->kind, AttemptKind::kResume);
  ASSERT_TRUE(start->from);
  EXPECT_EQ(start->from->step, 70);
  EXPECT_EQ(h.job->row().restarts, 0);
  EXPECT_EQ(h.job->state(), JobState::kLaunching);
}

TEST(JobSupervisorScheduler, APreemptionResumesLikeATimeLimit) {
  H h;
  h.startRunning();
  h.checkpoint(30, "final");
  const Actions out = h.exitAndConclude(slurmEnd(SchedulerEnd::kPreempted, "PREEMPTED", 0, 9));
  const auto* ended = H::first<SaveAttempt>(out);
  ASSERT_NE(ended, nullptr);
  EXPECT_EQ(ended->row.end, AttemptEnd::kPreempted);
  EXPECT_EQ(H::decisions(out), (std::vector<std::string>{"resume", "launch"}));
  EXPECT_EQ(h.job->row().restarts, 0);
}

TEST(JobSupervisorScheduler, ATimeLimitWithNoNewCheckpointCountsAsARestart) {
  // Else a limit too short to reach one checkpoint would resume forever.
  H h;
  h.startRunning();
  const Actions out = h.exitAndConclude(slurmEnd(SchedulerEnd::kTimeLimit, "TIMEOUT", 0, 15));
  EXPECT_EQ(H::decisions(out), (std::vector<std::string>{"restart", "launch"}));
  EXPECT_EQ(h.job->row().restarts, 1);
}

TEST(JobSupervisorScheduler, OutOfMemoryIsReportedAsSuchAndRestarts) {
  H h;
  h.startRunning();
  h.checkpoint(20, "epoch-0001");
  const Actions out = h.exitAndConclude(slurmEnd(SchedulerEnd::kOutOfMemory, "OUT_OF_MEMORY", 0, 9));
  EXPECT_EQ(H::decisions(out), (std::vector<std::string>{"out_of_memory", "restart", "launch"}));
  const auto* ended = H::first<SaveAttempt>(out);
  ASSERT_NE(ended, nullptr);
  EXPECT_EQ(ended->row.end, AttemptEnd::kOutOfMemory);
  EXPECT_EQ(h.job->row().restarts, 1);
}

TEST(JobSupervisorScheduler, ACancelFromOutsideIsACrash) {
  H h;
  h.startRunning();
  const Actions out = h.finish(wire::RunEnd::kSignal, slurmEnd(SchedulerEnd::kCancelled, "CANCELLED", 0, 15));
  EXPECT_EQ(H::decisions(out), (std::vector<std::string>{"crashed", "restart", "launch"}));
  EXPECT_EQ(h.job->row().restarts, 1);
}

TEST(JobSupervisorScheduler, AWaitInTheQueueShowsAsQueuedWithTheReasonAndHoldsNoSlots) {
  PolicyConfig policies;
  policies.restart.startup_timeout_s = 60;
  H h(policies);
  h.job->start(h.now());
  h.job->onLaunched(1, 7001, h.now());
  Actions out = h.job->onSchedulerQueue(1, std::string("Resources"), h.now());
  EXPECT_EQ(H::decisions(out), std::vector<std::string>{"pending"});
  EXPECT_EQ(h.job->state(), JobState::kQueued);
  EXPECT_EQ(h.job->row().end_reason, "Slurm: Resources");
  EXPECT_FALSE(h.job->holdsSlots()) << "Slurm's queue is the queue";
  EXPECT_FALSE(h.job->wantsSlots()) << "its attempt is submitted already";
  // The same reason again records nothing; a long wait is no startup timeout.
  for (int i = 0; i < 30; ++i) {
    h.t += 10;
    EXPECT_TRUE(h.job->onSchedulerQueue(1, std::string("Resources"), h.now()).empty());
    EXPECT_TRUE(h.advance(0).empty());
  }
  out = h.job->onSchedulerQueue(1, std::string("Priority"), h.now());
  EXPECT_EQ(h.job->row().end_reason, "Slurm: Priority");
  // It runs: launching again, and the startup timeout counts from now.
  h.job->onSchedulerQueue(1, std::nullopt, h.now());
  EXPECT_EQ(h.job->state(), JobState::kLaunching);
  EXPECT_TRUE(h.job->row().end_reason.empty());
  EXPECT_TRUE(h.advance(59).empty());
  h.job->onHello(1, wire::Hello{}, h.now());
  EXPECT_EQ(h.job->state(), JobState::kRunning);
}

TEST(JobSupervisorScheduler, TheStatusTableShowsWhyAJobIsQueued) {
  H h;
  h.job->start(h.now());
  h.job->onLaunched(1, 7001, h.now());
  h.job->onSchedulerQueue(1, std::string("Resources"), h.now());
  const std::string table = formatStatusTable({h.job->row()});
  EXPECT_NE(table.find("queued (Slurm: Resources)"), std::string::npos) << table;
}

TEST(JobSupervisorScheduler, ARankHeardFromIsRunningWhateverTheQueueSaidLast) {
  H h;
  h.startRunning();
  EXPECT_TRUE(h.job->onSchedulerQueue(1, std::string("Resources"), h.now()).empty());
  EXPECT_EQ(h.job->state(), JobState::kRunning);
}

}  // namespace
}  // namespace cog::coord
