// The job supervisor driven with plain inputs: every transition, each decision the
// integration scenarios show (tests/integration/coordinator_test.sh), and what happens when
// events arrive late or twice.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/coordinator/core/supervisor_harness.hpp"

namespace cog::coord {
namespace {

using testing::SupervisorHarness;
using H = SupervisorHarness;
using wire::RunEnd;

TEST(JobSupervisor, RecordsTheAttemptBeforeAskingForItsProcesses) {
  SupervisorHarness h;
  EXPECT_TRUE(h.job->wantsSlots());
  const Actions out = h.job->start(h.now());
  const auto* saved = H::first<SaveAttempt>(out);
  ASSERT_NE(saved, nullptr);
  EXPECT_TRUE(saved->insert);
  EXPECT_EQ(saved->row.attempt, 1);
  EXPECT_EQ(saved->row.kind, AttemptKind::kFirst);
  EXPECT_EQ(saved->row.run_dir, "/state/jobs/micro/attempt-1");
  EXPECT_EQ(saved->row.end, AttemptEnd::kOpen);
  EXPECT_LT(H::indexOf<SaveAttempt>(out), H::indexOf<StartAttempt>(out));
  EXPECT_EQ(H::decisions(out), std::vector<std::string>{"launch"});
  const auto* start = H::first<StartAttempt>(out);
  ASSERT_NE(start, nullptr);
  EXPECT_EQ(start->overrides, std::vector<std::string>{"train.epochs=4"});
  EXPECT_FALSE(start->from);
  EXPECT_EQ(h.job->state(), JobState::kLaunching);
  EXPECT_TRUE(h.job->holdsSlots());
  EXPECT_FALSE(h.job->wantsSlots());
  EXPECT_TRUE(h.job->start(h.now()).empty()) << "a second grant starts nothing";
}

TEST(JobSupervisor, TheFirstWordFromRankZeroMakesItRunningAndTheLaunchIdIsStored) {
  SupervisorHarness h;
  h.job->start(h.now());
  const Actions launched = h.job->onLaunched(1, 4242, h.now());
  ASSERT_NE(H::first<SaveAttempt>(launched), nullptr);
  EXPECT_EQ(H::first<SaveAttempt>(launched)->row.launch_id, 4242);
  EXPECT_EQ(h.job->state(), JobState::kLaunching);
  h.metrics(10, 2.5);
  EXPECT_EQ(h.job->state(), JobState::kRunning);
  EXPECT_EQ(h.job->row().step, 10);
  EXPECT_EQ(scalarOr(h.job->row().last_metrics, "eta_s"), 60);
}

TEST(JobSupervisor, AWorkerThatTrainedToTheEndFinishesTheJob) {
  SupervisorHarness h;
  h.startRunning();
  h.metrics(50, 2.0);
  h.validation(50, 1.9);
  h.checkpoint(50, "best", 1.9);
  const Actions out = h.finish(RunEnd::kCompleted);
  EXPECT_EQ(h.job->state(), JobState::kFinished);
  EXPECT_EQ(H::decisions(out), std::vector<std::string>{"finished"});
  const auto* ended = H::first<SaveAttempt>(out);
  ASSERT_NE(ended, nullptr);
  EXPECT_EQ(ended->row.end, AttemptEnd::kFinished);
  EXPECT_GT(ended->row.ended_at, 0);
  EXPECT_FALSE(h.job->holdsSlots());
  EXPECT_EQ(h.job->row().best_val_loss, 1.9);
}

TEST(JobSupervisor, AnEndedAttemptWaitsForItsLastReportsThenReadsItsLog) {
  SupervisorHarness h;
  h.startRunning();
  Actions out = h.job->onProcessExited(1, {}, h.now());  // no goodbye yet
  EXPECT_EQ(h.job->state(), JobState::kConcluding);
  EXPECT_FALSE(H::has<ReadAttemptLog>(out));
  EXPECT_FALSE(H::has<ReadAttemptLog>(h.advance(0.3)));
  h.metrics(60, 1.8);  // a report still in flight
  EXPECT_FALSE(H::has<ReadAttemptLog>(h.advance(0.4))) << "quiet for only 0.4 s";
  out = h.advance(0.2);
  const auto* read = H::first<ReadAttemptLog>(out);
  ASSERT_NE(read, nullptr);
  EXPECT_EQ(read->run_dir, "/state/jobs/micro/attempt-1");
  EXPECT_TRUE(h.advance(1).empty()) << "the log is read once";
  // The log held the goodbye the wire lost.
  h.job->onRunFinished(1, {60, RunEnd::kCompleted, ""}, h.now());
  h.job->onLogRead(1, h.now());
  EXPECT_EQ(h.job->state(), JobState::kFinished);
  EXPECT_TRUE(h.job->onLogRead(1, h.now()).empty()) << "a second conclusion is ignored";
}

TEST(JobSupervisor, ACrashRestartsFromTheNewestCheckpointAndSupersedesTheStepsAfterIt) {
  SupervisorHarness h;
  h.startRunning();
  h.checkpoint(50, "epoch-0001", 1.9);
  h.checkpoint(100, "epoch-0002", 1.7);
  h.metrics(150, 1.6);
  const Actions out = h.exitAndConclude({17, 0});
  EXPECT_EQ(H::decisions(out), (std::vector<std::string>{"crashed", "restart", "launch"}));
  const auto* ended = H::first<SaveAttempt>(out);
  ASSERT_NE(ended, nullptr);
  EXPECT_EQ(ended->row.end, AttemptEnd::kCrashed);
  EXPECT_EQ(ended->row.end_reason, "crashed: exit code 17");
  EXPECT_EQ(ended->row.exit_code, 17);
  const auto* start = H::first<StartAttempt>(out);
  ASSERT_NE(start, nullptr);
  EXPECT_EQ(start->attempt, 2);
  EXPECT_EQ(start->kind, AttemptKind::kRestart);
  ASSERT_TRUE(start->from);
  EXPECT_EQ(start->from->step, 100);
  EXPECT_EQ(start->overrides, std::vector<std::string>{"train.epochs=4"}) << "same hyperparameters";
  const auto* cut = H::first<SupersedeAfter>(out);
  ASSERT_NE(cut, nullptr);
  EXPECT_EQ(cut->from_step, 100);
  EXPECT_EQ(cut->attempt, 2);
  EXPECT_EQ(h.job->row().restarts, 1);
  EXPECT_EQ(h.job->state(), JobState::kLaunching) << "it keeps its slots";
}

TEST(JobSupervisor, APrunedCheckpointIsNotAStartingPoint) {
  SupervisorHarness h;
  h.startRunning();
  h.checkpoint(50, "epoch-0001", 1.9);
  h.checkpoint(100, "epoch-0002", 1.7);
  h.pruned.insert("/state/jobs/micro/attempt-1/checkpoints/epoch-0002");
  const Actions out = h.exitAndConclude({0, 9});
  const auto* start = H::first<StartAttempt>(out);
  ASSERT_NE(start, nullptr);
  ASSERT_TRUE(start->from);
  EXPECT_EQ(start->from->step, 50);
}

TEST(JobSupervisor, TheRestartLimitFailsTheJob) {
  PolicyConfig policies;
  policies.restart.max_restarts = 1;
  SupervisorHarness h(policies);
  h.startRunning();
  h.exitAndConclude({1, 0});
  EXPECT_EQ(h.job->row().restarts, 1);
  h.job->onLaunched(2, 102, h.now());
  const Actions out = h.exitAndConclude({1, 0});
  EXPECT_EQ(H::decisions(out), (std::vector<std::string>{"crashed", "failed"}));
  EXPECT_EQ(h.job->state(), JobState::kFailed);
  EXPECT_NE(h.job->row().end_reason.find("restart limit 1"), std::string::npos);
  EXPECT_FALSE(H::has<StartAttempt>(out));
}

TEST(JobSupervisor, APlateauStopsTheJobWhichEndsEarlyStopped) {
  PolicyConfig policies;
  policies.early_stopping.patience = 1;
  policies.early_stopping.min_delta = 10;
  SupervisorHarness h(policies);
  h.startRunning();
  EXPECT_TRUE(H::decisions(h.validation(20, 2.0)).empty());
  const Actions out = h.validation(40, 1.9);
  EXPECT_EQ(H::decisions(out), std::vector<std::string>{"early_stop"});
  ASSERT_NE(H::first<SendStop>(out), nullptr);
  EXPECT_EQ(h.job->state(), JobState::kStopping);
  h.finish(RunEnd::kStopCommand);
  EXPECT_EQ(h.job->state(), JobState::kEarlyStopped);
  EXPECT_EQ(h.job->currentAttempt()->end, AttemptEnd::kEarlyStopped);
}

TEST(JobSupervisor, APlateauFoundAtTheFinalValidationEndsFinished) {
  PolicyConfig policies;
  policies.early_stopping.patience = 1;
  policies.early_stopping.min_delta = 10;
  SupervisorHarness h(policies);
  h.startRunning();
  h.validation(20, 2.0);
  h.validation(40, 1.9);  // the last epoch's validation: the worker completes regardless
  h.finish(RunEnd::kCompleted);
  EXPECT_EQ(h.job->state(), JobState::kFinished);
  EXPECT_NE(h.job->row().end_reason.find("final validation"), std::string::npos);
}

TEST(JobSupervisor, ADivergenceIsStoredBeforeTheStopAndRollsBackWithAdjustments) {
  SupervisorHarness h;
  h.startRunning();
  h.validation(100, 1.9);
  h.checkpoint(100, "epoch-0001");
  h.validation(200, 1.7);
  h.checkpoint(200, "epoch-0002");
  EXPECT_FALSE(h.job->attemptDiverged());
  const Actions verdict = h.metrics(250, std::nan(""));
  EXPECT_EQ(H::decisions(verdict), std::vector<std::string>{"diverged"});
  EXPECT_TRUE(h.job->attemptDiverged());  // a sweep must not rank what it reports now
  const auto* stored = H::first<SaveAttempt>(verdict);
  ASSERT_NE(stored, nullptr);
  EXPECT_EQ(stored->row.diverged_at_step, 250);
  EXPECT_LT(H::indexOf<SaveAttempt>(verdict), H::indexOf<SendStop>(verdict));
  // The worker checkpoints as it stops: after the divergence, so never a rollback target.
  const Actions late = h.checkpoint(255, "final");
  ASSERT_NE(H::first<StoreCheckpoint>(late), nullptr);
  EXPECT_FALSE(H::first<StoreCheckpoint>(late)->row.healthy);
  const Actions out = h.finish(RunEnd::kStopCommand);
  EXPECT_EQ(H::decisions(out), (std::vector<std::string>{"rollback", "launch"}));
  EXPECT_FALSE(h.job->attemptDiverged());  // the relaunched attempt is judged afresh
  const auto* start = H::first<StartAttempt>(out);
  ASSERT_NE(start, nullptr);
  EXPECT_EQ(start->kind, AttemptKind::kRelaunch);
  ASSERT_TRUE(start->from);
  EXPECT_EQ(start->from->step, 200);
  EXPECT_EQ(start->overrides, (std::vector<std::string>{"train.epochs=4", "adjust.lr_factor=0.5",
                                                        "adjust.grokfast_lambda_factor=0.4",
                                                        "adjust.warmup_from_step=200"}));
  const auto* row = H::first<SaveAttempt>(out);  // the diverged attempt's end, then the new one
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->row.end, AttemptEnd::kDiverged);
  EXPECT_EQ(h.job->currentAttempt()->lr_factor, 0.5);
  EXPECT_EQ(h.job->row().relaunches, 1);
}

TEST(JobSupervisor, CheckpointsAtOrAfterTheDivergenceAreCondemnedWhenItIsDetected) {
  SupervisorHarness h;
  h.startRunning();
  h.validation(100, 1.9);
  h.checkpoint(100, "epoch-0001");
  h.checkpoint(260, "step-00000260");  // saved before the late NaN report came in
  const Actions verdict = h.metrics(250, INFINITY);
  const auto* mark = H::first<MarkCheckpointUnhealthy>(verdict);
  ASSERT_NE(mark, nullptr);
  EXPECT_EQ(mark->path, "/state/jobs/micro/attempt-1/checkpoints/step-00000260");
}

TEST(JobSupervisor, RelaunchAdjustmentsCompoundAndTheLimitFailsTheJob) {
  PolicyConfig policies;
  policies.relaunch.max_relaunches = 2;
  SupervisorHarness h(policies);
  h.startRunning();
  for (int round = 1; round <= 3; ++round) {
    h.metrics(100 * round, std::nan(""));
    const Actions out = h.finish(RunEnd::kStopCommand);
    if (round < 3) {
      h.job->onLaunched(round + 1, 100 + round + 1, h.now());
      h.job->onHello(round + 1, {}, h.now());
    } else {
      EXPECT_EQ(H::decisions(out), std::vector<std::string>{"failed"});
    }
  }
  EXPECT_EQ(h.job->state(), JobState::kFailed);
  EXPECT_EQ(h.job->currentAttempt()->lr_factor, 0.25) << "0.5 x 0.5";
  EXPECT_EQ(h.job->row().relaunches, 2);
}

TEST(JobSupervisor, SilenceIsALostHeartbeatAndTheProcessesAreKilledNotAsked) {
  SupervisorHarness h;
  h.startRunning();
  EXPECT_TRUE(h.advance(29).empty());
  const Actions out = h.advance(2);
  EXPECT_EQ(H::decisions(out), std::vector<std::string>{"lost_heartbeat"});
  EXPECT_FALSE(H::has<SendStop>(out));
  ASSERT_NE(H::first<StopProcesses>(out), nullptr);
  const Actions restart = h.exitAndConclude({-1, 15});
  EXPECT_EQ(H::decisions(restart), (std::vector<std::string>{"restart", "launch"}));
  EXPECT_EQ(h.job->attempts().at(0).end, AttemptEnd::kLostHeartbeat);
}

TEST(JobSupervisor, HeartbeatsWithoutProgressAreAStall) {
  PolicyConfig policies;
  policies.restart.progress_timeout_s = 60;
  SupervisorHarness h(policies);
  h.startRunning();
  for (int i = 1; i <= 50; ++i) {  // progress moves for 50 s
    h.t += 1;
    h.job->onHeartbeat(1, {i, static_cast<uint64_t>(i), 0}, h.now());
    EXPECT_TRUE(h.job->tick(h.now()).empty());
  }
  Actions out;
  for (int i = 0; i < 61 && out.empty(); ++i) {  // then beats with the same progress
    h.t += 1;
    h.job->onHeartbeat(1, {50, 50, 0}, h.now());
    out = h.job->tick(h.now());
  }
  EXPECT_EQ(H::decisions(out), std::vector<std::string>{"stalled"});
  EXPECT_NEAR(h.t, 111, 1) << "60 s after the last progress";
  ASSERT_NE(H::first<StopProcesses>(out), nullptr);
  h.exitAndConclude({-1, 9});
  EXPECT_EQ(h.job->attempts().at(0).end, AttemptEnd::kStalled);
  EXPECT_EQ(h.job->row().restarts, 1);
}

TEST(JobSupervisor, ARankZeroNeverHeardFromIsAStartupTimeout) {
  PolicyConfig policies;
  policies.restart.startup_timeout_s = 120;
  SupervisorHarness h(policies);
  h.job->start(h.now());
  h.job->onLaunched(1, 101, h.now());
  EXPECT_TRUE(h.advance(100).empty()) << "the heartbeat rule waits for a first word";
  const Actions out = h.advance(21);
  EXPECT_EQ(H::decisions(out), std::vector<std::string>{"startup_timeout"});
  ASSERT_NE(H::first<StopProcesses>(out), nullptr);
}

TEST(JobSupervisor, AStopNotObeyedWithinTheGraceStopsTheProcesses) {
  PolicyConfig policies;
  policies.early_stopping.patience = 1;
  policies.early_stopping.min_delta = 10;
  SupervisorHarness h(policies);
  h.startRunning();
  h.validation(20, 2.0);
  ASSERT_TRUE(H::has<SendStop>(h.validation(40, 1.9)));
  EXPECT_TRUE(h.advance(9).empty());
  const Actions out = h.advance(1.5);
  ASSERT_NE(H::first<StopProcesses>(out), nullptr);
  EXPECT_EQ(H::first<StopProcesses>(out)->grace_s, 10);
  EXPECT_TRUE(h.advance(20).empty()) << "escalated once";
}

TEST(JobSupervisor, AnInterruptStopsRunningAttemptsAndLeavesQueuedJobsQueued) {
  SupervisorHarness running;
  running.startRunning();
  const Actions out = running.job->onInterrupt(running.now());
  ASSERT_NE(H::first<SendStop>(out), nullptr);
  running.finish(RunEnd::kStopCommand);
  EXPECT_EQ(running.job->state(), JobState::kInterrupted);
  EXPECT_EQ(running.job->currentAttempt()->end, AttemptEnd::kInterrupted);

  SupervisorHarness queued;
  EXPECT_TRUE(queued.job->onInterrupt(queued.now()).empty());
  EXPECT_EQ(queued.job->state(), JobState::kQueued);
  EXPECT_FALSE(queued.job->wantsSlots()) << "nothing starts after an interrupt";
}

TEST(JobSupervisor, ACrashDuringAnInterruptEndsInterruptedNotRestarted) {
  SupervisorHarness h;
  h.startRunning();
  h.job->onInterrupt(h.now());
  const Actions out = h.exitAndConclude({-1, 9});
  EXPECT_FALSE(H::has<StartAttempt>(out));
  EXPECT_EQ(h.job->state(), JobState::kInterrupted);
}

TEST(JobSupervisor, LateAndRepeatedEventsChangeNothing) {
  SupervisorHarness h;
  h.startRunning();
  h.checkpoint(100, "epoch-0001", 1.5);
  EXPECT_TRUE(h.checkpoint(100, "epoch-0001", 1.5).empty())
      << "the same checkpoint from the wire and the log";
  h.exitAndConclude({1, 0});  // crash -> attempt 2 from step 100
  h.job->onLaunched(2, 102, h.now());
  h.job->onHello(2, {}, h.now());
  h.metrics(110, 1.4);
  // Attempt 1's reports still queued behind others: stored by the shell, ignored here.
  MetricRow late{"micro", 1, 180, 0, 0, {{"loss", std::nan("")}}};
  EXPECT_TRUE(h.job->onMetrics(late, 0, h.now()).empty()) << "an old attempt's NaN is no verdict";
  EXPECT_EQ(h.job->row().step, 110);
  EXPECT_TRUE(h.job->onProcessExited(1, {0, 9}, h.now()).empty()) << "an old attempt's exit";
  EXPECT_TRUE(h.job->onLogRead(1, h.now()).empty());
  h.job->onRunFinished(2, {200, RunEnd::kCompleted, ""}, h.now());
  h.job->onRunFinished(2, {200, RunEnd::kFailed, "late"}, h.now());
  h.exitAndConclude({0, 0});
  EXPECT_EQ(h.job->state(), JobState::kFinished) << "the first goodbye counts";
  EXPECT_TRUE(h.job->onProcessExited(2, {0, 0}, h.now()).empty()) << "a second exit";
  EXPECT_TRUE(h.job->tick(h.now()).empty());
}

TEST(JobSupervisor, ASecondVerdictInTheSameAttemptIsIgnored) {
  SupervisorHarness h;
  h.startRunning();
  EXPECT_EQ(H::decisions(h.metrics(10, std::nan(""))), std::vector<std::string>{"diverged"});
  EXPECT_TRUE(h.metrics(11, std::nan("")).empty());
  EXPECT_TRUE(h.validation(11, std::nan("")).empty() ||
              H::decisions(h.validation(12, std::nan(""))).empty());
}

TEST(JobSupervisor, ALaunchThatFailsFailsTheJobNamingTheError) {
  SupervisorHarness h;
  h.job->start(h.now());
  const Actions out = h.job->onLaunchFailed(1, "fork: out of memory", h.now());
  EXPECT_EQ(h.job->state(), JobState::kFailed);
  EXPECT_NE(h.job->row().end_reason.find("fork: out of memory"), std::string::npos);
  EXPECT_EQ(H::first<SaveAttempt>(out)->row.end, AttemptEnd::kLaunchFailed);
}

TEST(JobSupervisor, AnInternalErrorKillsTheAttemptAndFailsTheJob) {
  SupervisorHarness h;
  h.startRunning();
  const Actions out = h.job->onInternalError("disk full", h.now());
  EXPECT_EQ(H::decisions(out), std::vector<std::string>{"internal_error"});
  ASSERT_NE(H::first<StopProcesses>(out), nullptr);
  h.exitAndConclude({0, 15});
  EXPECT_EQ(h.job->state(), JobState::kFailed);
  EXPECT_FALSE(h.job->holdsSlots());
}

TEST(JobSupervisor, AnOperatorStopsAQueuedJobAtOnceAndARunningOneAfterItsCheckpoint) {
  SupervisorHarness queued;
  queued.job->onOperatorStop("operator", queued.now());
  EXPECT_EQ(queued.job->state(), JobState::kStopped);
  EXPECT_FALSE(queued.job->wantsSlots());

  SupervisorHarness running;
  running.startRunning();
  ASSERT_NE(H::first<SendStop>(running.job->onOperatorStop("operator", running.now())), nullptr);
  running.finish(RunEnd::kStopCommand);
  EXPECT_EQ(running.job->state(), JobState::kStopped);
}

}  // namespace
}  // namespace cog::coord
