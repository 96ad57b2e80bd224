// Rollback checkpoint choice on crafted checkpoint/validation lists, and relaunch
// adjustments.
#include "coordinator/policy/rollback.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace cog::coord {
namespace {

const double kNan = std::numeric_limits<double>::quiet_NaN();

CheckpointRow checkpoint(int64_t step, double val_loss, int attempt = 1, bool healthy = true,
                         const std::string& name = "") {
  CheckpointRow row;
  row.job_id = "j";
  row.attempt = attempt;
  row.step = step;
  row.name = name.empty() ? "step-" + std::to_string(step) : name;
  row.path = "/ckpt/" + row.name;
  row.val_loss = val_loss;
  row.healthy = healthy;
  return row;
}

ValidationRow validation(int64_t step, double val_loss, double top_share = 0.4, int attempt = 1) {
  ValidationRow row;
  row.job_id = "j";
  row.attempt = attempt;
  row.step = step;
  row.scalars = {{"val_loss", val_loss}, {"answered", 100}, {"top_token_share", top_share}};
  return row;
}

std::string chosen(const std::vector<CheckpointRow>& checkpoints,
                   const std::vector<ValidationRow>& validations, int64_t diverged_at) {
  const auto row =
      chooseRollbackCheckpoint(checkpoints, validations, diverged_at, DivergenceConfig{});
  return row ? row->name : "scratch";
}

TEST(Rollback, NewestHealthyCheckpointBeforeTheDivergence) {
  const std::vector<CheckpointRow> cps = {checkpoint(100, 0.9), checkpoint(200, 0.8),
                                          checkpoint(300, 0.75)};
  const std::vector<ValidationRow> vals = {validation(100, 0.9), validation(200, 0.8),
                                           validation(300, 0.75)};
  EXPECT_EQ(chosen(cps, vals, 350), "step-300");
  EXPECT_EQ(chosen(cps, vals, 300), "step-200");  // saved at the divergence step: not before it
  EXPECT_EQ(chosen(cps, vals, 100), "scratch");
}

TEST(Rollback, SkipsCondemnedNonFiniteCollapsedAndUnvalidatedCheckpoints) {
  const std::vector<CheckpointRow> cps = {
      checkpoint(100, 0.9), checkpoint(200, 0.8, 1, /*healthy=*/false), checkpoint(300, kNan),
      checkpoint(400, 0.7), checkpoint(500, kNan)};
  const std::vector<ValidationRow> vals = {validation(100, 0.9), validation(200, 0.8),
                                           validation(300, kNan),
                                           validation(400, 0.7, /*top_share=*/0.97)};
  // 500 has no validation at all, 400 collapsed, 300 NaN, 200 condemned.
  EXPECT_EQ(chosen(cps, vals, 600), "step-100");
}

TEST(Rollback, ValidationMustBeOfTheSameAttempt) {
  // Attempt 2 checkpointed at 300 with no validation row of its own; attempt 1's collapsed
  // validation at 300 is about other weights and does not condemn it.
  const std::vector<CheckpointRow> cps = {checkpoint(100, 0.9), checkpoint(300, 0.8, 2)};
  const std::vector<ValidationRow> vals = {validation(100, 0.9), validation(300, 0.8, 0.99, 1)};
  EXPECT_EQ(chosen(cps, vals, 400), "step-300");
}

TEST(Rollback, PrefersTheCheckpointBeforeValLossStartedRising) {
  // 0.61 > 1.15 x 0.50: the divergence was already under way at step 200.
  EXPECT_EQ(chosen({checkpoint(100, 0.5), checkpoint(200, 0.61), checkpoint(300, 0.7)}, {}, 400),
            "step-100");
  // 0.56 is within the ratio of 0.50; 0.64 is not.
  EXPECT_EQ(chosen({checkpoint(100, 0.5), checkpoint(200, 0.56), checkpoint(300, 0.64)}, {}, 400),
            "step-200");
  // A recovery below the ratio is healthy again.
  EXPECT_EQ(chosen({checkpoint(100, 0.5), checkpoint(200, 0.7), checkpoint(300, 0.52)}, {}, 400),
            "step-300");
}

TEST(Rollback, EqualStepsGoToTheLaterRowAndOrderOfInputDoesNotMatter) {
  const std::vector<CheckpointRow> cps = {checkpoint(300, 0.7, 1, true, "epoch-0003"),
                                          checkpoint(100, 0.9),
                                          checkpoint(300, 0.7, 1, true, "best")};
  EXPECT_EQ(chosen(cps, {}, 400), "best");
}

TEST(Adjustments, FactorsCompoundAcrossRelaunches) {
  RelaunchConfig config;  // lr x0.5, grokfast lambda x0.4, fresh warmup
  const Adjustments first = nextAdjustments(Adjustments{}, config);
  EXPECT_DOUBLE_EQ(first.lr_factor, 0.5);
  EXPECT_DOUBLE_EQ(first.grokfast_lambda_factor, 0.4);
  EXPECT_TRUE(first.fresh_warmup);
  const Adjustments second = nextAdjustments(first, config);
  EXPECT_DOUBLE_EQ(second.lr_factor, 0.25);
  EXPECT_NEAR(second.grokfast_lambda_factor, 0.16, 1e-15);

  // In the worker's keys: fresh warmup = restart the warmup at the resume step.
  EXPECT_EQ(adjustmentOverrides(first, 787),
            (std::vector<std::string>{"adjust.lr_factor=0.5", "adjust.grokfast_lambda_factor=0.4",
                                      "adjust.warmup_from_step=787"}));
  EXPECT_EQ(adjustmentOverrides(second, 1220),
            (std::vector<std::string>{"adjust.lr_factor=0.25", "adjust.grokfast_lambda_factor=0.16",
                                      "adjust.warmup_from_step=1220"}));
  EXPECT_EQ(adjustmentOverrides(Adjustments{}, 787)[2], "adjust.warmup_from_step=-1");

  RelaunchConfig no_warmup;
  no_warmup.fresh_warmup = false;
  EXPECT_FALSE(nextAdjustments(second, no_warmup).fresh_warmup);
  EXPECT_DOUBLE_EQ(nextAdjustments(second, no_warmup).lr_factor, 0.125);
}

}  // namespace
}  // namespace cog::coord
