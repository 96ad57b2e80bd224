// Schedules: the factors, the factory, and above all that the factor reaches the step the
// optimizer really takes, for every group (the original project's scheduler wrote a field
// its optimizer never read, and nothing noticed).
#include "optim/lr_schedule.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "common/error.hpp"
#include "optim/mugrokfast.hpp"

namespace cog::optim {
namespace {

TEST(OptimLrSchedule, WarmupCosineFactors) {
  const WarmupCosineSchedule s(/*warmup_steps=*/4, /*total_steps=*/14, /*min_factor=*/0.1);
  EXPECT_DOUBLE_EQ(s.factor(0), 0.25);  // small but not zero: step 0 is not wasted
  EXPECT_DOUBLE_EQ(s.factor(1), 0.5);
  EXPECT_DOUBLE_EQ(s.factor(3), 1.0);
  EXPECT_DOUBLE_EQ(s.factor(4), 1.0);       // cosine starts at the top
  EXPECT_NEAR(s.factor(9), 0.55, 1e-12);    // halfway: (1 + min) / 2
  EXPECT_NEAR(s.factor(14), 0.1, 1e-12);    // eta_min reached at total_steps
  EXPECT_NEAR(s.factor(1000), 0.1, 1e-12);  // and held
  for (int64_t step = 4; step < 14; ++step) EXPECT_GT(s.factor(step), s.factor(step + 1));
  EXPECT_DOUBLE_EQ(ConstantSchedule().factor(12345), 1.0);
  EXPECT_DOUBLE_EQ(WarmupCosineSchedule(0, 10, 0.0).factor(0), 1.0);
}

TEST(OptimLrSchedule, WarmupStableDecayFactors) {
  const WarmupStableDecaySchedule s(/*warmup_steps=*/4, /*decay_steps=*/10, /*total_steps=*/30,
                                    /*min_factor=*/0.1);
  EXPECT_DOUBLE_EQ(s.factor(0), 0.25);  // the same warmup as the cosine's
  EXPECT_DOUBLE_EQ(s.factor(3), 1.0);
  for (int64_t step = 4; step <= 20; ++step) EXPECT_DOUBLE_EQ(s.factor(step), 1.0) << step;  // stable
  EXPECT_NEAR(s.factor(25), 0.55, 1e-12);  // halfway down the linear decay: (1 + min) / 2
  for (int64_t step = 20; step < 30; ++step) EXPECT_GT(s.factor(step), s.factor(step + 1)) << step;
  EXPECT_NEAR(s.factor(30), 0.1, 1e-12);   // eta_min reached at total_steps
  EXPECT_NEAR(s.factor(500), 0.1, 1e-12);  // and held
  EXPECT_DOUBLE_EQ(WarmupStableDecaySchedule(0, 0, 10, 0.0).factor(9), 1.0);  // no decay: constant
}

TEST(OptimLrSchedule, RestartedWarmupRampsFromItsStepOnly) {
  RestartedWarmup s(std::make_unique<WarmupCosineSchedule>(0, 100, 0.0), /*from_step=*/40, /*warmup_steps=*/4);
  const WarmupCosineSchedule inner(0, 100, 0.0);
  EXPECT_DOUBLE_EQ(s.factor(39), inner.factor(39));  // before the relaunch point: untouched
  EXPECT_DOUBLE_EQ(s.factor(40), inner.factor(40) * 0.25);
  EXPECT_DOUBLE_EQ(s.factor(42), inner.factor(42) * 0.75);
  EXPECT_DOUBLE_EQ(s.factor(43), inner.factor(43));  // ramp done
  EXPECT_THROW(RestartedWarmup(std::make_unique<ConstantSchedule>(), 5, 0), ConfigError);
}

std::string configErrorOf(const ScheduleConfig& config) {
  try {
    makeLrSchedule(config);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(OptimLrSchedule, FactoryBuildsKindsAndNamesBadKeys) {
  EXPECT_DOUBLE_EQ(makeLrSchedule({})->factor(7), 1.0);
  ScheduleConfig cosine{"warmup_cosine", 2, 10, 0.2};
  EXPECT_DOUBLE_EQ(makeLrSchedule(cosine)->factor(0), 0.5);

  EXPECT_NE(configErrorOf({"cosine_warmup"}).find("schedule.kind"), std::string::npos);
  EXPECT_NE(configErrorOf({"cosine_warmup"}).find("cosine_warmup"), std::string::npos);
  EXPECT_NE(configErrorOf({"warmup_cosine", -1, 10, 0.1}).find("schedule.warmup_steps"),
            std::string::npos);
  EXPECT_NE(configErrorOf({"warmup_cosine", 0, 0, 0.1}).find("schedule.total_steps"),
            std::string::npos);
  EXPECT_NE(configErrorOf({"warmup_cosine", 20, 10, 0.1}).find("schedule.total_steps"),
            std::string::npos);
  EXPECT_NE(configErrorOf({"warmup_cosine", 2, 10, 1.5}).find("schedule.min_lr_factor"),
            std::string::npos);

  // decay_fraction is a share of total_steps: 0.25 of 40 is the last 10 steps.
  const auto wsd = makeLrSchedule({"warmup_stable_decay", 2, 40, 0.0, 0.25});
  EXPECT_DOUBLE_EQ(wsd->factor(29), 1.0);
  EXPECT_DOUBLE_EQ(wsd->factor(30), 1.0);
  EXPECT_NEAR(wsd->factor(35), 0.5, 1e-12);
  EXPECT_DOUBLE_EQ(wsd->factor(40), 0.0);
  EXPECT_NE(configErrorOf({"warmup_stable_decay", 2, 40, 0.0, 1.5}).find("schedule.decay_fraction"),
            std::string::npos);
  // A warmup and a decay that overlap are refused, naming both lengths.
  const std::string overlap = configErrorOf({"warmup_stable_decay", 20, 40, 0.0, 0.75});
  EXPECT_NE(overlap.find("schedule.decay_fraction"), std::string::npos) << overlap;
  EXPECT_NE(overlap.find("30 steps"), std::string::npos) << overlap;
  EXPECT_NE(configErrorOf({"warmup_stable_decay", 0, 0, 0.1, 0.2}).find("schedule.total_steps"),
            std::string::npos);
}

// One parameter per group, fed the same gradient every step. Then the direction of each
// update never changes (Muon: momentum is a multiple of g, and Newton-Schulz ignores scale;
// AdamW: m/bc1 = g and v/bc2 = g^2), so |delta p| is exactly proportional to the lr used.
struct TwoGroupModel {
  std::vector<NamedParameter> params = {
      {"blocks.0.attn.wq.weight", torch::randn({16, 8}, torch::kDouble)},
      {"tok_emb.weight", torch::randn({32, 8}, torch::kDouble)}};
  std::vector<torch::Tensor> grads = {torch::randn({16, 8}, torch::kDouble),
                                      torch::randn({32, 8}, torch::kDouble)};

  // Runs one step and returns |delta p| per parameter.
  std::vector<double> step(MuGrokfast& optimizer) {
    std::vector<torch::Tensor> before;
    for (size_t i = 0; i < params.size(); ++i) {
      before.push_back(params[i].tensor.clone());
      params[i].tensor.mutable_grad() = grads[i].clone();
    }
    optimizer.step();
    std::vector<double> deltas;
    for (size_t i = 0; i < params.size(); ++i) {
      deltas.push_back((params[i].tensor - before[i]).norm().item<double>());
    }
    return deltas;
  }
};

TEST(OptimLrSchedule, ScheduleChangesTheStepEveryGroupReallyTakes) {
  torch::manual_seed(3);
  TwoGroupModel constant;
  TwoGroupModel scheduled = constant;  // same starting point and gradients...
  for (NamedParameter& p : scheduled.params) p.tensor = p.tensor.clone();  // ...own storage
  MuGrokfastOptions opts;
  opts.muon_lr = 0.02;
  opts.fallback_lr = 1e-3;
  MuGrokfast fullLr(constant.params, opts);
  MuGrokfast withSchedule(scheduled.params, opts);
  ASSERT_EQ(withSchedule.numParameters(ParamGroupKind::kMuon), 1);
  ASSERT_EQ(withSchedule.numParameters(ParamGroupKind::kFallback), 1);

  const WarmupCosineSchedule schedule(/*warmup_steps=*/4, /*total_steps=*/12, /*min=*/0.1);
  for (int64_t step = 0; step < 16; ++step) {
    applySchedule(schedule, withSchedule.stepCount(), withSchedule);
    const double factor = schedule.factor(step);
    const std::vector<double> full = constant.step(fullLr);
    const std::vector<double> got = scheduled.step(withSchedule);
    for (ParamGroupKind kind : {ParamGroupKind::kMuon, ParamGroupKind::kFallback}) {
      const size_t i = kind == ParamGroupKind::kMuon ? 0 : 1;
      EXPECT_DOUBLE_EQ(withSchedule.groupLr(kind), factor * opts.baseLr(kind));
      ASSERT_GT(full[i], 0.0);
      EXPECT_NEAR(got[i] / full[i], factor, 1e-4 * factor)
          << paramGroupKindName(kind) << " group at step " << step << ": the optimizer took a "
          << got[i] / full[i] << "x step where the schedule asked for " << factor << "x";
    }
  }
}

TEST(OptimLrSchedule, LrScaleIsValidated) {
  MuGrokfast optimizer({{"w", torch::ones({2, 2})}}, {});
  EXPECT_THROW(optimizer.setLrScale(-1.0), InvariantError);
  EXPECT_THROW(optimizer.setLrScale(std::nan("")), InvariantError);
  optimizer.setLrScale(0.5);
  EXPECT_DOUBLE_EQ(optimizer.groupLr(ParamGroupKind::kMuon), 0.01);
  EXPECT_DOUBLE_EQ(optimizer.groupLr(ParamGroupKind::kFallback), 1.5e-4);
}

}  // namespace
}  // namespace cog::optim
