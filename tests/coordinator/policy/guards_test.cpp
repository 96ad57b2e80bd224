// Divergence detectors and PolicySet on small hand-made report sequences: the edges the
// recorded streams do not reach.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "coordinator/policy/grad_norm_guard.hpp"
#include "coordinator/policy/loss_rise_guard.hpp"
#include "coordinator/policy/mode_collapse_guard.hpp"
#include "coordinator/policy/non_finite_guard.hpp"
#include "coordinator/policy/policy_set.hpp"

namespace cog::coord {
namespace {

const double kNan = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

MetricRow metrics(int64_t step, Scalars scalars) {
  MetricRow row;
  row.job_id = "j";
  row.attempt = 1;
  row.step = step;
  row.scalars = std::move(scalars);
  return row;
}

ValidationRow validation(int64_t step, Scalars scalars) {
  ValidationRow row;
  row.job_id = "j";
  row.attempt = 1;
  row.step = step;
  row.scalars = std::move(scalars);
  return row;
}

TEST(NonFiniteGuard, FlagsInfiniteGradNormAndNanValLossButNotAbsentValues) {
  NonFiniteGuard guard;
  EXPECT_FALSE(guard.onMetrics(metrics(10, {})));
  EXPECT_FALSE(guard.onMetrics(metrics(20, {{"loss", 2.0}, {"grad_norm", 3.0}})));
  const auto v = guard.onMetrics(metrics(30, {{"loss", 2.0}, {"grad_norm", kInf}}));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->signal, "non_finite");
  EXPECT_EQ(v->step, 30);
  EXPECT_NE(v->reason.find("grad_norm = inf"), std::string::npos) << v->reason;

  EXPECT_FALSE(guard.onValidation(validation(40, {{"val_loss", 1.0}})));
  const auto val = guard.onValidation(validation(50, {{"val_loss", kNan}}));
  ASSERT_TRUE(val);
  EXPECT_EQ(val->step, 50);
}

TEST(GradNormGuard, TheLimitItselfIsNotAboveAndAMissingNormKeepsTheStreak) {
  DivergenceConfig config;  // limit 10, 3 reports
  config.grad_norm_warmup_steps = 0;  // every step judged (the warm-up has its own test)
  GradNormGuard guard(config);
  EXPECT_FALSE(guard.onMetrics(metrics(1, {{"grad_norm", 11}})));
  EXPECT_FALSE(guard.onMetrics(metrics(2, {{"loss", 1}})));        // no grad_norm: no news
  EXPECT_FALSE(guard.onMetrics(metrics(3, {{"grad_norm", 10}})));  // not > 10: streak over
  EXPECT_FALSE(guard.onMetrics(metrics(4, {{"grad_norm", 12}})));
  EXPECT_FALSE(guard.onMetrics(metrics(5, {{"grad_norm", kNan}})));  // breaks it too
  EXPECT_FALSE(guard.onMetrics(metrics(6, {{"grad_norm", 12}})));
  EXPECT_FALSE(guard.onMetrics(metrics(7, {{"grad_norm", 13}})));
  const auto v = guard.onMetrics(metrics(8, {{"grad_norm", 14}}));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->step, 8);

  guard.newAttempt(0);
  EXPECT_FALSE(guard.onMetrics(metrics(9, {{"grad_norm", 15}})));
}

// bench/sweep_arithmetic, seed 1, trial t001 (muon_lr 0.0146, fallback_lr 0.00033): a healthy
// start whose norms were 17.1, 10.01, 11.2 at steps 10-30 was condemned as diverged, and each
// relaunch at a lower lr stayed above 10 longer, until the trial failed.
TEST(GradNormGuard, TheInitialDescentOfEveryAttemptIsNotJudged) {
  DivergenceConfig config;  // limit 10, 3 reports, warm-up 100 steps
  GradNormGuard guard(config);
  EXPECT_FALSE(guard.onMetrics(metrics(10, {{"grad_norm", 17.1}})));
  EXPECT_FALSE(guard.onMetrics(metrics(20, {{"grad_norm", 10.01}})));
  EXPECT_FALSE(guard.onMetrics(metrics(30, {{"grad_norm", 11.2}})));
  EXPECT_FALSE(guard.onMetrics(metrics(90, {{"grad_norm", 30}})));
  // From step 100 on a run above the limit counts; the warm-up's norms are not part of it.
  EXPECT_FALSE(guard.onMetrics(metrics(100, {{"grad_norm", 12}})));
  EXPECT_FALSE(guard.onMetrics(metrics(110, {{"grad_norm", 12}})));
  const auto v = guard.onMetrics(metrics(120, {{"grad_norm", 12}}));
  ASSERT_TRUE(v);
  EXPECT_NE(v->reason.find("(steps 100-120)"), std::string::npos) << v->reason;

  // A relaunch from the checkpoint at step 855 warms up again: steps 855-954 are its descent.
  guard.newAttempt(855);
  for (int64_t step = 860; step < 955; step += 10)
    EXPECT_FALSE(guard.onMetrics(metrics(step, {{"grad_norm", 25}}))) << step;
  EXPECT_FALSE(guard.onMetrics(metrics(960, {{"grad_norm", 25}})));
  EXPECT_FALSE(guard.onMetrics(metrics(970, {{"grad_norm", 25}})));
  EXPECT_TRUE(guard.onMetrics(metrics(980, {{"grad_norm", 25}})));
}

// Feeds `losses` as loss_window_mean reports at steps 1, 2, ... with a fixed seq_len.
std::optional<Verdict> feedLosses(LossRiseGuard& guard, const std::vector<double>& losses,
                                  int64_t first_step = 1, double seq_len = 64) {
  std::optional<Verdict> last;
  for (size_t i = 0; i < losses.size(); ++i) {
    auto v = guard.onMetrics(metrics(first_step + static_cast<int64_t>(i),
                                     {{"loss_window_mean", losses[i]}, {"seq_len", seq_len}}));
    if (v && !last) last = v;
  }
  return last;
}

TEST(LossRiseGuard, FiresOnASustainedRiseAfterWarmup) {
  DivergenceConfig config;
  config.loss_ema_alpha = 1;  // EMA = the loss itself: steps are exact
  config.loss_ema_warmup_reports = 2;
  config.loss_rise_reports = 3;
  LossRiseGuard guard(config);
  // warm-up 5, 4 (ignored); minimum 1.0; 1.2 > 1.15 on reports 5, 6, 7.
  const auto v = feedLosses(guard, {5, 4, 1.0, 1.1, 1.2, 1.2, 1.2});
  ASSERT_TRUE(v);
  EXPECT_EQ(v->signal, "loss_rise");
  EXPECT_EQ(v->step, 7);
  EXPECT_NE(v->reason.find("minimum 1 (step 3)"), std::string::npos) << v->reason;
}

TEST(LossRiseGuard, WarmupReportsDoNotSetTheMinimum) {
  DivergenceConfig config;
  config.loss_ema_alpha = 1;
  config.loss_rise_reports = 2;
  config.loss_ema_warmup_reports = 3;
  LossRiseGuard warm(config);
  // A lucky 0.5 inside the warm-up would make the steady 1.0 look like a rise.
  EXPECT_FALSE(feedLosses(warm, {0.5, 2, 1.5, 1.0, 1.0, 1.0, 1.0}));
  config.loss_ema_warmup_reports = 0;
  LossRiseGuard cold(config);
  EXPECT_TRUE(feedLosses(cold, {0.5, 2, 1.5, 1.0, 1.0, 1.0, 1.0}));
}

TEST(LossRiseGuard, SeqLenChangeRestartsAndNonFiniteLossIsSkipped) {
  DivergenceConfig config;
  config.loss_ema_alpha = 1;
  config.loss_ema_warmup_reports = 1;
  config.loss_rise_reports = 2;
  LossRiseGuard guard(config);
  EXPECT_FALSE(feedLosses(guard, {3, 1.0, 1.0}, 1, 64));
  // New stage: 2.0 is its warm-up, then 1.5 is the new minimum; no rise.
  EXPECT_FALSE(feedLosses(guard, {2.0, 1.5, 1.5, 1.5}, 10, 96));
  EXPECT_FALSE(guard.onMetrics(metrics(20, {{"loss_window_mean", kNan}, {"seq_len", 96}})));
  // Falls back to `loss` when the window mean is absent.
  EXPECT_FALSE(guard.onMetrics(metrics(21, {{"loss", 1.8}, {"seq_len", 96}})));
  EXPECT_TRUE(guard.onMetrics(metrics(22, {{"loss", 1.8}, {"seq_len", 96}})));
}

TEST(LossRiseGuard, ACurriculumStageChangeAtTheSameSeqLenRestartsTheBaseline) {
  DivergenceConfig config;
  config.loss_ema_alpha = 1;
  config.loss_ema_warmup_reports = 1;
  config.loss_rise_reports = 2;
  LossRiseGuard guard(config);
  auto report = [&](int64_t step, double loss, double stage) {
    return guard.onMetrics(metrics(step, {{"loss_window_mean", loss}, {"seq_len", 64}, {"curriculum_stage", stage}}));
  };
  EXPECT_FALSE(report(1, 3.0, 0));
  EXPECT_FALSE(report(2, 0.5, 0));  // minimum of stage 0
  // Harder problems from stage 1: the loss jumps to a new level and settles there.
  EXPECT_FALSE(report(3, 1.5, 1));  // warm-up of the new baseline
  EXPECT_FALSE(report(4, 1.2, 1));
  EXPECT_FALSE(report(5, 1.2, 1));
  // Without the stage scalar the same jump is a rise.
  LossRiseGuard blind(config);
  auto plain = [&](int64_t step, double loss) {
    return blind.onMetrics(metrics(step, {{"loss_window_mean", loss}, {"seq_len", 64}}));
  };
  EXPECT_FALSE(plain(1, 3.0));
  EXPECT_FALSE(plain(2, 0.5));
  EXPECT_FALSE(plain(3, 1.5));
  EXPECT_TRUE(plain(4, 1.2));
}

TEST(LossRiseGuard, NewAttemptForgetsTheBaseline) {
  DivergenceConfig config;
  config.loss_ema_alpha = 1;
  config.loss_ema_warmup_reports = 0;
  config.loss_rise_reports = 1;
  LossRiseGuard guard(config);
  EXPECT_FALSE(feedLosses(guard, {1.0}));
  guard.newAttempt(100);
  EXPECT_FALSE(feedLosses(guard, {2.0, 2.0}, 101));  // 2.0 is the new attempt's minimum
  EXPECT_TRUE(feedLosses(guard, {2.5}, 103));
}

TEST(ModeCollapseGuard, JudgesOnlyAnsweredValidations) {
  DivergenceConfig config;
  ModeCollapseGuard guard(config);
  EXPECT_FALSE(guard.onValidation(validation(1, {{"answered", 0}, {"top_token_share", 1.0}})));
  EXPECT_FALSE(guard.onValidation(validation(2, {{"top_token_share", 1.0}})));  // answered unknown
  EXPECT_FALSE(guard.onValidation(validation(3, {{"answered", 10}, {"top_token_share", 0.9}})));
  EXPECT_FALSE(guard.onValidation(validation(4, {{"answered", 10}, {"top_token_share", kNan}})));
  const auto v = guard.onValidation(validation(5, {{"answered", 10}, {"top_token_share", 0.91}}));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->step, 5);
  EXPECT_FALSE(guard.onMetrics(metrics(6, {{"top_token_share", 1.0}})));
}

// Every greedy answer empty: no tokens, so top_token_share reads 0 and distinct-1 nothing;
// the share of empty answers is what shows the collapse.
TEST(ModeCollapseGuard, ACollapseToEmptyAnswersIsCaughtByTheirShare) {
  DivergenceConfig config;
  ModeCollapseGuard guard(config);
  EXPECT_FALSE(guard.onValidation(validation(1, {{"answered", 10}, {"top_token_share", 0}, {"empty_answer_share", 0.9}})));
  const auto v = guard.onValidation(validation(2, {{"answered", 10}, {"top_token_share", 0}, {"empty_answer_share", 1.0}}));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->signal, "mode_collapse");
  EXPECT_NE(v->reason.find("empty_answer_share 1 > 0.9"), std::string::npos) << v->reason;
}

TEST(PolicySet, DivergenceOutranksPlateauOnTheSameReport) {
  PolicyConfig config;
  config.early_stopping.patience = 1;
  PolicySet policies(config);
  EXPECT_FALSE(policies.onValidation(validation(100, {{"val_loss", 1.0}})));
  // NaN is both "no improvement" (plateau, patience 1) and non-finite: divergence wins.
  const auto v = policies.onValidation(validation(200, {{"val_loss", kNan}}));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->signal, "non_finite");
  EXPECT_STREQ(actionName(v->action), "diverged");
}

TEST(PolicySet, OneVerdictPerAttemptUntilNewAttempt) {
  PolicySet policies(PolicyConfig{});
  EXPECT_EQ(policies.names(),
            (std::vector<std::string>{"non_finite_guard", "grad_norm_guard", "loss_rise_guard",
                                      "mode_collapse_guard", "early_stopping"}));
  ASSERT_TRUE(policies.onMetrics(metrics(10, {{"loss", kNan}})));
  EXPECT_FALSE(policies.onMetrics(metrics(11, {{"loss", kNan}})));  // in flight before the stop
  ASSERT_TRUE(policies.verdict());
  EXPECT_EQ(policies.verdict()->step, 10);

  policies.newAttempt(5);
  EXPECT_FALSE(policies.verdict());
  const auto again = policies.onMetrics(metrics(12, {{"loss", kNan}}));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->step, 12);
}

}  // namespace
}  // namespace cog::coord
