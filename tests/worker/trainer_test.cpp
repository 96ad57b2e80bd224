// The training loop end to end on a micro model: it learns, it always ends with a
// validation and a final checkpoint, and a resumed run continues exactly.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>
#include <cmath>
#include <fstream>

#include "common/error.hpp"
#include "worker/checkpoint/safetensors.hpp"
#include "worker/config/worker_config.hpp"
#include "worker/loaded_model.hpp"
#include "worker/trainer.hpp"
#include "recording_reporter.hpp"
#include "worker_test_util.hpp"

namespace cog::worker {
namespace {

using testing::RecordingReporter;

WorkerConfig microConfig(const testing::ScratchDir& dir, const std::vector<std::string>& overrides = {}) {
  return loadWorkerConfig(dir.write("micro.yaml", testing::microConfigYaml()), overrides);
}

TrainResult train(const WorkerConfig& config, const std::filesystem::path& run_dir, RecordingReporter& reporter,
                  bool resume = false, const std::atomic<bool>* stop = nullptr) {
  torch::set_num_threads(1);
  RunContext context;
  context.run_dir = run_dir;
  context.resume = resume;
  context.stop_requested = stop;
  Trainer trainer(config, context, reporter);
  return trainer.run();
}

TEST(Trainer, LossFallsByAtLeastHalfAndTheRunEndsValidatedAndCheckpointed) {
  testing::ScratchDir dir("trainer_learns");
  RecordingReporter reporter;
  auto result = train(microConfig(dir), dir.path() / "run", reporter);
  ASSERT_GT(reporter.steps.size(), 100u);
  const double first = scalarOr(reporter.steps.front().scalars, "loss", 0);
  double last_mean = 0;
  for (size_t i = reporter.steps.size() - 20; i < reporter.steps.size(); ++i) {
    last_mean += scalarOr(reporter.steps[i].scalars, "loss", 0) / 20;
  }
  EXPECT_LT(last_mean, first / 2) << "first step loss " << first << ", last 20 steps " << last_mean;
  EXPECT_EQ(result.reason, StopReason::kCompleted);
  ASSERT_EQ(reporter.validations.size(), 3u);  // one per epoch, the last doubles as final
  EXPECT_LT(scalarOr(reporter.validations.back().scalars, "val_loss", 99),
            scalarOr(reporter.validations.front().scalars, "val_loss", 0));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "run/checkpoints/final/manifest.json"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "run/checkpoints/best/manifest.json"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "run/checkpoints/epoch-0002/manifest.json"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "run/checkpoints/epoch-0003")) << "last epoch is `final`";
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "run/metrics.jsonl"))
      << "metrics.jsonl is written by the command's JsonlReporter, not the trainer itself";
}

// Trains the micro config straight through, and again interrupted after step 50 by a stop
// request (as SIGTERM would) and resumed; the resumed run's steps and validations must equal
// the straight run's, within `tolerance` relative (0: bit for bit).
void expectResumeReproducesTheStraightRun(const std::string& name, const std::vector<std::string>& overrides,
                                          double tolerance) {
  testing::ScratchDir dir(name);
  auto config = microConfig(dir, overrides);
  RecordingReporter straight;
  train(config, dir.path() / "straight", straight);

  std::atomic<bool> stop{false};
  RecordingReporter first_part;
  first_part.stop_after_step = 50;
  first_part.stop_flag = &stop;
  auto stopped = train(config, dir.path() / "resumed", first_part, false, &stop);
  ASSERT_EQ(stopped.reason, StopReason::kSignal);
  ASSERT_EQ(stopped.position.global_step, 50);
  RecordingReporter second_part;
  train(config, dir.path() / "resumed", second_part, /*resume=*/true);
  ASSERT_TRUE(second_part.hasEvent("resume"));

  std::vector<StepReport> resumed = first_part.steps;
  resumed.insert(resumed.end(), second_part.steps.begin(), second_part.steps.end());
  ASSERT_EQ(resumed.size(), straight.steps.size());
  for (size_t i = 0; i < resumed.size(); ++i) {
    ASSERT_EQ(resumed[i].step, straight.steps[i].step);
    for (const char* metric : {"loss", "final_ce", "grad_norm", "lr_muon", "lr_fallback"}) {
      const double a = scalarOr(resumed[i].scalars, metric, NAN);
      const double b = scalarOr(straight.steps[i].scalars, metric, NAN);
      if (tolerance == 0) {
        ASSERT_EQ(a, b) << metric << " at step " << resumed[i].step;
      } else {
        ASSERT_NEAR(a, b, tolerance * std::max(1.0, std::abs(b))) << metric << " at step " << resumed[i].step;
      }
    }
  }
  ASSERT_EQ(second_part.validations.size(), straight.validations.size());
  for (size_t i = 0; i < straight.validations.size(); ++i) {
    EXPECT_NEAR(scalarOr(second_part.validations[i].scalars, "val_loss", NAN),
                scalarOr(straight.validations[i].scalars, "val_loss", NAN), tolerance == 0 ? 0.0 : 1e-6);
  }
}

TEST(Trainer, ResumedRunReproducesTheUninterruptedOne) {
  expectResumeReproducesTheStraightRun("trainer_resume", {}, 1e-6);
}

// With dropout the masks come from the random stream, which the checkpoint carries: the
// resumed run draws exactly the masks the straight run drew.
TEST(Trainer, ResumedRunWithDropoutReproducesTheUninterruptedOneBitForBit) {
  expectResumeReproducesTheStraightRun("trainer_resume_dropout", {"model.dropout=0.1"}, 0);
}

TEST(Trainer, MaxStepsEndsWithValidationAndFinalCheckpointLoadableForInference) {
  testing::ScratchDir dir("trainer_max_steps");
  RecordingReporter reporter;
  auto result = train(microConfig(dir, {"train.max_steps=30"}), dir.path() / "run", reporter);
  EXPECT_EQ(result.reason, StopReason::kMaxSteps);
  EXPECT_EQ(result.position.global_step, 30);
  ASSERT_EQ(reporter.validations.size(), 1u);
  EXPECT_EQ(reporter.validations[0].step, 30);

  auto loaded = loadModelForInference(dir.path() / "run/checkpoints/final");
  EXPECT_EQ(loaded.config.train.max_steps, 30);
  // model.safetensors holds every parameter once (the tied LM head is tok_emb.weight).
  auto file = checkpoint::readSafetensors(dir.path() / "run/checkpoints/final/model.safetensors");
  auto named = loaded.net->named_parameters();
  EXPECT_EQ(file.tensors.size(), named.size());
  EXPECT_EQ(file.find("lm_head.weight"), nullptr);
  const auto* emb = file.find("tok_emb.weight");
  ASSERT_NE(emb, nullptr);
  auto stored = torch::from_blob(const_cast<uint8_t*>(emb->data.data()), emb->shape, torch::kFloat32);
  EXPECT_TRUE(torch::equal(stored, loaded.net->tok_emb->weight));

  // Resuming a finished run does nothing and says so.
  RecordingReporter again;
  auto second = train(microConfig(dir, {"train.max_steps=30"}), dir.path() / "run", again, true);
  EXPECT_EQ(second.reason, StopReason::kAlreadyFinished);
  EXPECT_TRUE(again.steps.empty());
}

// A short trial of a config whose warmup outlasts it (tiny-*.yaml warm up over 100 steps)
// is warned about and runs with a tenth of the run as warmup, instead of being refused.
TEST(Trainer, AWarmupLongerThanTheRunIsScaledToItWithAWarning) {
  EXPECT_EQ(scaledWarmup(20, 40), 20);
  EXPECT_EQ(scaledWarmup(100, 40), 4);
  EXPECT_EQ(scaledWarmup(40, 40), 4);
  EXPECT_EQ(scaledWarmup(100, 5), 1);
  testing::ScratchDir dir("trainer_warmup_scaled");
  RecordingReporter reporter;
  auto result = train(microConfig(dir, {"train.max_steps=20", "schedule.warmup_steps=100"}), dir.path() / "run", reporter);
  EXPECT_EQ(result.reason, StopReason::kMaxSteps);
  const auto* warned = reporter.findEvent("warmup_scaled");
  ASSERT_NE(warned, nullptr);
  EXPECT_NE(warned->detail.find("warming up over 2 steps"), std::string::npos) << warned->detail;
  // The peak lr is reached at step 2, not the 2% of it a 100-step warmup would have given.
  ASSERT_GE(reporter.steps.size(), 3u);
  EXPECT_NEAR(scalarOr(reporter.steps[1].scalars, "lr_muon", 0), 0.02, 0.001);
}

// A warmup_stable_decay schedule warms up before its decay: the warmup is scaled to the
// steps before the decay, and the rate holds at the peak until the decay, then falls.
TEST(Trainer, AWarmupStableDecayScheduleWarmsUpBeforeItsDecay) {
  testing::ScratchDir dir("trainer_wsd");
  RecordingReporter reporter;
  train(microConfig(dir, {"train.max_steps=20", "schedule.kind=warmup_stable_decay", "schedule.warmup_steps=15",
                          "schedule.decay_fraction=0.5", "schedule.min_lr_factor=0.1", "train.log_every=1"}),
        dir.path() / "run", reporter);
  const auto* warned = reporter.findEvent("warmup_scaled");
  ASSERT_NE(warned, nullptr);
  EXPECT_NE(warned->detail.find("steps before the decay (10 of 20 steps"), std::string::npos) << warned->detail;
  ASSERT_EQ(reporter.steps.size(), 20u);
  const auto lr = [&](size_t i) { return scalarOr(reporter.steps[i].scalars, "lr_muon", 0); };
  EXPECT_NEAR(lr(2), 0.02, 1e-6);  // warmed up over 1 step; stable at the peak
  EXPECT_NEAR(lr(9), 0.02, 1e-6);
  EXPECT_LT(lr(15), 0.02 * 0.9);   // decaying
  EXPECT_GT(lr(15), lr(19));
  EXPECT_GE(lr(19), 0.002 - 1e-9);
}

// Validation breaks exact match down by family and operand class, and loss and exact match
// by curriculum stage; the last stage draws every difficulty, so its loss is the overall one.
TEST(Trainer, ValidationReportsEveryFamilyClassAndStage) {
  testing::ScratchDir dir("trainer_slices");
  RecordingReporter reporter;
  // Every family: the fixture itself keeps only arithmetic.
  auto config = microConfig(dir, {"train.max_steps=6", "data.sources[0].max_difficulty=2", "data.sources[0].families=[]",
                                  "data.sources[0].count=600", "validation.generate_samples=14",
                                  "model.max_seq_len=128", "train.seq_len=96"});
  config.data.curriculum = {{0, 0, 1, 1.0, {}}, {1, 0, 2, 1.0, {}}};
  train(config, dir.path() / "run", reporter);
  ASSERT_EQ(reporter.validations.size(), 1u);
  const auto& s = reporter.validations[0].scalars;
  for (const char* name : {"exact_match.family.arithmetic", "exact_match.family.store", "exact_match.family.recall",
                           "exact_match.class.one_digit", "exact_match.class.two_digit", "exact_match.class.mixed",
                           "exact_match.weakest", "val_loss.stage.0", "val_loss.stage.1", "exact_match.stage.0",
                           "exact_match.stage.1", "exact_match_flexible"}) {
    EXPECT_TRUE(std::isfinite(scalarOr(s, name, NAN))) << name;
  }
  EXPECT_NEAR(scalarOr(s, "val_loss.stage.1", 0), scalarOr(s, "val_loss", 1), 1e-4);
  EXPECT_NE(scalarOr(s, "val_loss.stage.0", 0), scalarOr(s, "val_loss.stage.1", 0));
  EXPECT_DOUBLE_EQ(scalarOr(s, "exact_match.stage.1", -1), scalarOr(s, "exact_match", -2));
  EXPECT_EQ(scalarOr(s, "answered", 0), 14);
}

TEST(Trainer, CorruptedCheckpointIsRefusedOnResume) {
  testing::ScratchDir dir("trainer_corrupt");
  RecordingReporter reporter;
  std::atomic<bool> stop{false};
  reporter.stop_after_step = 10;
  reporter.stop_flag = &stop;
  auto config = microConfig(dir);
  train(config, dir.path() / "run", reporter, false, &stop);
  const auto model_file = dir.path() / "run/checkpoints/final/model.pt";
  {
    std::fstream f(model_file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(200);
    char c = 0;
    f.read(&c, 1);
    f.seekp(200);
    c = static_cast<char>(c ^ 0x5a);
    f.write(&c, 1);
  }
  RecordingReporter again;
  try {
    train(config, dir.path() / "run", again, true);
    FAIL() << "expected CheckpointError";
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find("model.pt"), std::string::npos) << e.what();
  }
}

TEST(Trainer, NanFaultSkipsTheStepAndExitFaultCrashes) {
  testing::ScratchDir dir("trainer_faults");
  RecordingReporter reporter;
  auto result = train(microConfig(dir, {"faults.nan_at_step=5", "train.max_steps=12"}), dir.path() / "nan", reporter);
  EXPECT_TRUE(reporter.hasEvent("skipped_step"));
  EXPECT_TRUE(std::isnan(scalarOr(reporter.steps[4].scalars, "loss", 0)));
  EXPECT_TRUE(std::isfinite(scalarOr(reporter.steps.back().scalars, "loss", NAN))) << "training recovers";
  EXPECT_EQ(result.position.global_step, 12);

  RecordingReporter crash;
  EXPECT_THROW(train(microConfig(dir, {"faults.exit_at_step=4"}), dir.path() / "exit", crash), InjectedFault);
  EXPECT_EQ(crash.steps.size(), 3u);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "exit/checkpoints/final")) << "a crash writes nothing";
}

}  // namespace
}  // namespace cog::worker
