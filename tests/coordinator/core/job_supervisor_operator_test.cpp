// What an operator asks of a job (stop, checkpoint now, relaunch with other settings), and a
// worker that refuses its configuration.
#include <gtest/gtest.h>

#include "comms/wire/exit_codes.hpp"
#include "tests/coordinator/core/supervisor_harness.hpp"

namespace cog::coord {
namespace {

using testing::SupervisorHarness;
using H = SupervisorHarness;
using wire::RunEnd;

TEST(JobSupervisorOperator, ACheckpointRequestReachesARunningAttemptOnly) {
  SupervisorHarness h;
  EXPECT_TRUE(h.job->onOperatorCheckpoint("op", h.now()).empty()) << "queued: nothing to checkpoint";
  h.startRunning();
  const Actions out = h.job->onOperatorCheckpoint("op", h.now());
  EXPECT_EQ(H::decisions(out), std::vector<std::string>{"operator_checkpoint"});
  ASSERT_NE(H::first<SendCheckpoint>(out), nullptr);
  EXPECT_EQ(h.job->state(), JobState::kRunning) << "it goes on training";
}

TEST(JobSupervisorOperator, ARelaunchOfARunningJobStopsItThenStartsWithTheOverridesFromTheChosenCheckpoint) {
  SupervisorHarness h;
  h.startRunning();
  h.validation(50, 1.9);
  h.checkpoint(50, "best", 1.9);
  h.checkpoint(100, "epoch-0002", 1.8);
  h.exitAndConclude({1, 0});  // a crash uses a restart...
  h.job->onLaunched(2, 102, h.now());
  h.job->onHello(2, {}, h.now());
  ASSERT_EQ(h.job->row().restarts, 1);

  const OperatorRelaunch request{{"optim.muon_lr=0.005"}, "best"};
  EXPECT_EQ(h.job->refusal(request), "");
  Actions out = h.job->onOperatorRelaunch(request, "op", h.now());
  EXPECT_EQ(H::decisions(out), std::vector<std::string>{"operator_relaunch"});
  ASSERT_NE(H::first<SendStop>(out), nullptr);
  EXPECT_EQ(h.job->row().restarts, 0) << "...and an operator's relaunch starts the counters over";
  out = h.finish(RunEnd::kStopCommand);
  const auto* start = H::first<StartAttempt>(out);
  ASSERT_NE(start, nullptr);
  EXPECT_EQ(start->attempt, 3);
  EXPECT_EQ(start->kind, AttemptKind::kOperator);
  ASSERT_TRUE(start->from);
  EXPECT_EQ(start->from->name, "best");
  EXPECT_EQ(start->overrides, (std::vector<std::string>{"train.epochs=4", "optim.muon_lr=0.005"}));
  EXPECT_EQ(h.job->attempts().at(1).end, AttemptEnd::kStopped);
  EXPECT_EQ(h.job->currentAttempt()->operator_overrides, std::vector<std::string>{"optim.muon_lr=0.005"});

  // A later crash restarts with the operator's settings still in place; a second relaunch
  // with the same key replaces the value.
  h.job->onLaunched(3, 103, h.now());
  h.job->onHello(3, {}, h.now());
  out = h.job->onOperatorRelaunch({{"optim.muon_lr=0.002", "train.batch_size=8"}, ""}, "op", h.now());
  out = h.finish(RunEnd::kStopCommand);
  start = H::first<StartAttempt>(out);
  ASSERT_NE(start, nullptr);
  EXPECT_EQ(start->overrides,
            (std::vector<std::string>{"train.epochs=4", "optim.muon_lr=0.002", "train.batch_size=8"}));
}

TEST(JobSupervisorOperator, ARelaunchOfAnEndedJobQueuesIt) {
  SupervisorHarness h;
  h.startRunning();
  h.checkpoint(100, "final", 1.5);
  h.finish(RunEnd::kCompleted);
  ASSERT_EQ(h.job->state(), JobState::kFinished);
  EXPECT_FALSE(h.job->wantsSlots());
  const Actions out = h.job->onOperatorRelaunch({{"train.epochs=8"}, ""}, "op", h.now());
  EXPECT_FALSE(H::has<StartAttempt>(out)) << "it waits for its slots";
  EXPECT_EQ(h.job->state(), JobState::kQueued);
  ASSERT_TRUE(h.job->wantsSlots());
  const Actions started = h.job->start(h.now());
  const auto* start = H::first<StartAttempt>(started);
  ASSERT_NE(start, nullptr);
  EXPECT_EQ(start->kind, AttemptKind::kOperator);
  EXPECT_EQ(start->from->name, "final");
}

TEST(JobSupervisorOperator, ARelaunchFromAnotherJobsCheckpointStartsFromIt) {
  // A sweep's PBT exploit: the trial restarts from a better trial's weights.
  SupervisorHarness h;
  h.startRunning();
  h.checkpoint(50, "epoch-0001", 1.9);
  CheckpointRow other;
  other.job_id = "sweep-model-t003";
  other.step = 80;
  other.name = "epoch-0002";
  other.path = "/state/jobs/sweep-model-t003/attempt-1/checkpoints/epoch-0002";
  OperatorRelaunch request{{"optim.muon_lr=0.004"}, "", other};
  EXPECT_EQ(h.job->refusal(request), "");
  Actions out = h.job->onOperatorRelaunch(request, "sweep", h.now());
  ASSERT_NE(H::first<SendStop>(out), nullptr);
  out = h.finish(RunEnd::kStopCommand);
  const auto* start = H::first<StartAttempt>(out);
  ASSERT_NE(start, nullptr);
  ASSERT_TRUE(start->from);
  EXPECT_EQ(start->from->path, other.path);
  EXPECT_EQ(start->from->step, 80);
  h.pruned.insert(other.path);
  EXPECT_NE(h.job->refusal(request).find("is not on disk"), std::string::npos);
}

TEST(JobSupervisorOperator, RefusesUnknownCheckpointsAndMalformedOverrides) {
  SupervisorHarness h;
  h.startRunning();
  h.checkpoint(50, "best", 1.9);
  EXPECT_NE(h.job->refusal({{"lr"}, ""}).find("'lr' is not key.path=value"), std::string::npos);
  EXPECT_NE(h.job->refusal({{"=3"}, ""}).find("not key.path=value"), std::string::npos);
  const std::string unknown = h.job->refusal({{}, "epoch-0009"});
  EXPECT_NE(unknown.find("no checkpoint 'epoch-0009'"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("best (step 50)"), std::string::npos) << "names the ones there are: " << unknown;
  h.pruned.insert("/state/jobs/micro/attempt-1/checkpoints/best");
  EXPECT_NE(h.job->refusal({{}, "best"}), "") << "pruned from disk";
}

TEST(JobSupervisorOperator, AWorkerThatRefusesItsConfigurationFailsTheJobWithoutRestarts) {
  SupervisorHarness h;
  h.startRunning();
  const Actions out = h.exitAndConclude({wire::kExitConfig, 0});
  EXPECT_EQ(H::decisions(out), std::vector<std::string>{"failed"});
  EXPECT_FALSE(H::has<StartAttempt>(out));
  EXPECT_EQ(h.job->state(), JobState::kFailed);
  EXPECT_EQ(h.job->currentAttempt()->end, AttemptEnd::kConfigError);
  EXPECT_NE(h.job->row().end_reason.find("refused its configuration"), std::string::npos);
}

}  // namespace
}  // namespace cog::coord
