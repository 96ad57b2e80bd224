// The job supervisor after a coordinator restart: restored from stored rows, its open
// attempt adopted or found gone, and what it does next.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/coordinator/core/supervisor_harness.hpp"

namespace cog::coord {
namespace {

using testing::SupervisorHarness;
using H = SupervisorHarness;

JobRow storedJob(JobState state, int attempt) {
  JobRow row;
  row.id = "micro";
  row.experiment_id = "exp";
  row.state = state;
  row.attempt = attempt;
  return row;
}

AttemptRow storedAttempt(int number, AttemptEnd end, int64_t start_step = 0) {
  AttemptRow a;
  a.job_id = "micro";
  a.attempt = number;
  a.end = end;
  a.start_step = start_step;
  a.run_dir = "/state/jobs/micro/attempt-" + std::to_string(number);
  a.launch_id = 100 + number;
  return a;
}

CheckpointRow storedCheckpoint(int attempt, int64_t step, const std::string& name, double val_loss,
                               bool healthy = true) {
  return {"micro",
          attempt,
          step,
          name,
          "/state/jobs/micro/attempt-" + std::to_string(attempt) + "/checkpoints/" + name,
          val_loss,
          healthy,
          0};
}

ValidationRow storedValidation(int attempt, int64_t step, double val_loss) {
  return {"micro", attempt, step,
          0,       0,       {{"val_loss", val_loss}, {"answered", 8}, {"top_token_share", 0.3}},
          {"[]"}};
}

TEST(JobSupervisorResume,
     ALostAttemptIsReadThenResumedFromTheNewestHealthyCheckpointUnderANewNumber) {
  SupervisorHarness h;
  AttemptRow first = storedAttempt(1, AttemptEnd::kDiverged);
  AttemptRow second = storedAttempt(2, AttemptEnd::kOpen, 100);
  second.lr_factor = 0.5;  // a relaunch: the resumed attempt keeps its adjustments
  second.grokfast_lambda_factor = 0.4;
  second.fresh_warmup = true;
  h.job->restore(
      storedJob(JobState::kRunning, 2), {first, second},
      {storedCheckpoint(1, 100, "epoch-0001", 1.5), storedCheckpoint(2, 200, "epoch-0002", 1.3)},
      {storedValidation(1, 100, 1.5), storedValidation(2, 200, 1.3)});
  ASSERT_TRUE(h.job->openAttempt());
  EXPECT_EQ(h.job->openAttempt()->attempt, 2);
  EXPECT_FALSE(h.job->wantsSlots()) << "not before its open attempt is settled";

  Actions out = h.job->onAttemptLost(2, h.now());
  ASSERT_NE(H::first<ReadAttemptLog>(out), nullptr);
  EXPECT_EQ(H::first<ReadAttemptLog>(out)->run_dir, "/state/jobs/micro/attempt-2");
  h.checkpoint(240, "final", std::nan(""), 2);  // what its log held: it checkpointed on SIGTERM
  out = h.job->onLogRead(2, h.now());
  EXPECT_EQ(H::decisions(out), std::vector<std::string>{"resume"});
  EXPECT_EQ(H::first<SaveAttempt>(out)->row.end, AttemptEnd::kCoordinatorLost);
  EXPECT_EQ(h.job->state(), JobState::kQueued);
  ASSERT_TRUE(h.job->wantsSlots());

  out = h.job->start(h.now());
  const auto* start = H::first<StartAttempt>(out);
  ASSERT_NE(start, nullptr);
  EXPECT_EQ(start->attempt, 3) << "never reuses an attempt number or its run folder";
  EXPECT_EQ(start->run_dir, "/state/jobs/micro/attempt-3");
  EXPECT_EQ(start->kind, AttemptKind::kResume);
  ASSERT_TRUE(start->from);
  EXPECT_EQ(start->from->step, 240);
  EXPECT_EQ(h.job->currentAttempt()->lr_factor, 0.5);
  EXPECT_EQ(h.job->row().restarts, 0) << "a coordinator restart is not the worker's crash";
}

TEST(JobSupervisorResume, ADivergenceStopUnderWayWhenTheCoordinatorDiedStillRollsBack) {
  SupervisorHarness h;
  AttemptRow open = storedAttempt(1, AttemptEnd::kOpen);
  open.diverged_at_step = 250;
  h.job->restore(
      storedJob(JobState::kStopping, 1), {open},
      {storedCheckpoint(1, 100, "epoch-0001", 1.9), storedCheckpoint(1, 200, "epoch-0002", 1.7)},
      {storedValidation(1, 100, 1.9), storedValidation(1, 200, 1.7)});
  h.job->onAttemptLost(1, h.now());
  // The worker obeyed the stop after the coordinator died: its `final` checkpoint is in the
  // log, after the divergence.
  const Actions final_checkpoint = h.checkpoint(255, "final", std::nan(""), 1);
  EXPECT_FALSE(H::first<StoreCheckpoint>(final_checkpoint)->row.healthy);
  const Actions out = h.job->onLogRead(1, h.now());
  EXPECT_EQ(H::decisions(out), (std::vector<std::string>{"rollback", "launch"}));
  const auto* start = H::first<StartAttempt>(out);
  ASSERT_NE(start, nullptr);
  EXPECT_EQ(start->attempt, 2);
  EXPECT_EQ(start->kind, AttemptKind::kRelaunch);
  ASSERT_TRUE(start->from);
  EXPECT_EQ(start->from->step, 200) << "before the divergence, never the diverged `final`";
  EXPECT_EQ(h.job->currentAttempt()->lr_factor, 0.5)
      << "with the adjusted hyperparameters, never lr x1";
}

TEST(JobSupervisorResume, AnAdoptedAttemptRunsOnAndIsConcludedWhenItEnds) {
  SupervisorHarness h;
  h.job->restore(storedJob(JobState::kRunning, 1), {storedAttempt(1, AttemptEnd::kOpen)}, {}, {});
  const Actions out = h.job->onAdopted(1, h.now());
  EXPECT_EQ(H::decisions(out), std::vector<std::string>{"adopt"});
  EXPECT_TRUE(h.job->holdsSlots());
  h.job->onHello(1, {}, h.now());
  EXPECT_EQ(h.job->state(), JobState::kRunning);
  h.finish(wire::RunEnd::kCompleted);
  EXPECT_EQ(h.job->state(), JobState::kFinished);
}

TEST(JobSupervisorResume, EndedJobsStayEndedAndInterruptedOnesWaitForSlots) {
  SupervisorHarness finished;
  finished.job->restore(storedJob(JobState::kFinished, 1),
                        {storedAttempt(1, AttemptEnd::kFinished)}, {}, {});
  EXPECT_EQ(finished.job->state(), JobState::kFinished);
  EXPECT_FALSE(finished.job->wantsSlots());

  SupervisorHarness interrupted;
  interrupted.job->restore(storedJob(JobState::kInterrupted, 1),
                           {storedAttempt(1, AttemptEnd::kInterrupted)},
                           {storedCheckpoint(1, 80, "final", std::nan(""))}, {});
  EXPECT_EQ(interrupted.job->state(), JobState::kQueued);
  const Actions out = interrupted.job->start(interrupted.now());
  const auto* start = H::first<StartAttempt>(out);
  ASSERT_NE(start, nullptr);
  EXPECT_EQ(start->kind, AttemptKind::kResume);
  EXPECT_EQ(start->attempt, 2);
  EXPECT_EQ(start->from->name, "final");
}

TEST(JobSupervisorResume, StoredValidationsKeepEarlyStoppingsPatience) {
  PolicyConfig policies;
  policies.early_stopping.patience = 2;
  policies.early_stopping.min_delta = 0.01;
  SupervisorHarness h(policies);
  h.job->restore(storedJob(JobState::kRunning, 1), {storedAttempt(1, AttemptEnd::kOpen)},
                 {storedCheckpoint(1, 300, "final", std::nan(""))},
                 {storedValidation(1, 100, 1.0), storedValidation(1, 200, 1.0),
                  storedValidation(1, 300, 1.0)});
  h.job->onAttemptLost(1, h.now());
  h.job->onLogRead(1, h.now());
  h.job->start(h.now());
  h.job->onHello(2, {}, h.now());
  // The stored history already spent the patience (two validations without improvement),
  // so the next one without improvement stops the job.
  EXPECT_EQ(H::decisions(h.validation(400, 1.0)), std::vector<std::string>{"early_stop"});
}

}  // namespace
}  // namespace cog::coord
