// Early stopping's state across attempts: a restarted or relaunched attempt continues the
// job from its checkpoint step, so patience spent before that step stays spent.
#include "coordinator/policy/early_stopping.hpp"

#include <gtest/gtest.h>

namespace cog::coord {
namespace {

ValidationRow val(int64_t step, double loss, int attempt = 1) {
  ValidationRow row;
  row.job_id = "j";
  row.attempt = attempt;
  row.step = step;
  row.scalars = {{"val_loss", loss}};
  return row;
}

EarlyStoppingConfig patience(int n) {
  EarlyStoppingConfig c;
  c.patience = n;
  return c;
}

TEST(EarlyStopping, SmallGainsDoNotMoveTheBest) {
  EarlyStopping stop(patience(3));
  EXPECT_FALSE(stop.onValidation(val(100, 1.0)));
  EXPECT_FALSE(stop.onValidation(val(200, 0.995)));  // better, but not by 0.01
  EXPECT_FALSE(stop.onValidation(val(300, 0.991)));
  const auto v = stop.onValidation(val(400, 0.9905));  // still within 0.01 of 1.0
  ASSERT_TRUE(v);
  EXPECT_EQ(v->step, 400);
  EXPECT_EQ(v->signal, "plateau");
  EXPECT_STREQ(actionName(v->action), "early_stop");
}

TEST(EarlyStopping, ARestartKeepsThePatienceSpentBeforeItsCheckpoint) {
  EarlyStopping stop(patience(3));
  EXPECT_FALSE(stop.onValidation(val(100, 1.0)));
  EXPECT_FALSE(stop.onValidation(val(200, 1.0)));
  EXPECT_FALSE(stop.onValidation(val(300, 1.0)));  // 2 stale
  stop.newAttempt(300);                            // crash; restart from the step-300 checkpoint
  const auto v = stop.onValidation(val(400, 1.0, 2));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->step, 400);
}

TEST(EarlyStopping, ARollbackForgetsTheValidationsItUndoes) {
  EarlyStopping stop(patience(3));
  EXPECT_FALSE(stop.onValidation(val(100, 1.0)));
  EXPECT_FALSE(stop.onValidation(val(200, 1.0)));
  EXPECT_FALSE(stop.onValidation(val(300, 1.0)));
  stop.newAttempt(100);  // diverged; relaunch from the step-100 checkpoint
  ASSERT_EQ(stop.history().size(), 1u);
  EXPECT_FALSE(stop.onValidation(val(200, 0.8, 2)));  // the relaunch improves
  EXPECT_FALSE(stop.onValidation(val(300, 0.8, 2)));
  EXPECT_FALSE(stop.onValidation(val(400, 0.8, 2)));
  EXPECT_TRUE(stop.onValidation(val(500, 0.8, 2)));
}

TEST(EarlyStopping, AResentValidationIsNotCountedTwice) {
  EarlyStopping stop(patience(2));
  EXPECT_FALSE(stop.onValidation(val(100, 1.0)));
  EXPECT_FALSE(stop.onValidation(val(200, 1.0)));
  // The same step again (a restart that validated before its first new step): replaces.
  EXPECT_FALSE(stop.onValidation(val(200, 1.0, 2)));
  EXPECT_EQ(stop.history().size(), 2u);
  EXPECT_TRUE(stop.onValidation(val(300, 1.0, 2)));
}

TEST(EarlyStopping, ANewJobFromScratchStartsOver) {
  EarlyStopping stop(patience(1));
  EXPECT_FALSE(stop.onValidation(val(100, 1.0)));
  stop.newAttempt(0);
  EXPECT_TRUE(stop.history().empty());
  EXPECT_FALSE(stop.onValidation(val(100, 2.0, 2)));
}

TEST(EarlyStopping, ValidationWithoutLossIsIgnored) {
  EarlyStopping stop(patience(1));
  EXPECT_FALSE(stop.onValidation(val(100, 1.0)));
  ValidationRow no_loss;
  no_loss.step = 200;
  no_loss.scalars = {{"exact_match", 0.5}};
  EXPECT_FALSE(stop.onValidation(no_loss));
  EXPECT_EQ(stop.history().size(), 1u);
}

}  // namespace
}  // namespace cog::coord
