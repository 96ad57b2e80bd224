// ACT halting at inference: refinement stops once the halting head is confident, so a
// variant does fewer steps when its head says so; training always runs every step.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "model/cognate.hpp"
#include "model/cognate_loss.hpp"
#include "model_test_util.hpp"

namespace cog::model {
namespace {

// Makes the halting head output the same probability q at every position.
void setHaltingProbability(CognateModelImpl& model, double q) {
  torch::NoGradGuard no_grad;
  model.halt->weight.zero_();
  model.halt->bias.fill_(std::log(q / (1 - q)));
}

int64_t inferenceSteps(CognateModelImpl& model, const torch::Tensor& tokens) {
  torch::NoGradGuard no_grad;
  return model.forward(tokens, ForwardOptions::haltingEarly()).steps_run;
}

TEST(Halting, SpeedDoesFewerStepsThanReasoningWhenItsHeadIsConfident) {
  auto reasoning = makeCognateModel(testing::smallConfig("reasoning"));
  auto speed = makeCognateModel(testing::smallConfig("speed"));
  reasoning->eval();
  speed->eval();
  auto tokens = testing::randomTokens(2, 16, 259, 5);

  setHaltingProbability(*reasoning, 0.5);  // undecided: runs every step
  setHaltingProbability(*speed, 0.999);    // above speed's 0.99 threshold
  EXPECT_EQ(inferenceSteps(*reasoning, tokens), 3);
  EXPECT_EQ(inferenceSteps(*speed, tokens), 1);

  // Undecided, speed is still bounded by its smaller T_max.
  setHaltingProbability(*speed, 0.5);
  EXPECT_EQ(inferenceSteps(*speed, tokens), 2);
}

TEST(Halting, ThresholdIsTheVariants) {
  auto reasoning = makeCognateModel(testing::smallConfig("reasoning"));
  auto speed = makeCognateModel(testing::smallConfig("speed"));
  auto tokens = testing::randomTokens(1, 8, 259, 6);
  // 0.97 clears reasoning's 0.95 but not speed's 0.99.
  setHaltingProbability(*reasoning, 0.97);
  setHaltingProbability(*speed, 0.97);
  EXPECT_EQ(inferenceSteps(*reasoning, tokens), 1);
  EXPECT_EQ(inferenceSteps(*speed, tokens), 2);
}

TEST(Halting, TrainingForwardRunsEveryStep) {
  auto model = makeCognateModel(testing::smallConfig("reasoning"));
  setHaltingProbability(*model, 0.999);
  auto out = model->forward(testing::randomTokens(1, 8, 259, 1));
  EXPECT_EQ(out.steps_run, 3);
  EXPECT_EQ(out.step_hidden.size(), 4u);
  EXPECT_EQ(out.halt_logits.size(), 3u);
}

TEST(Halting, HaltedPositionsKeepTheirAnswer) {
  auto model = makeCognateModel(testing::smallConfig("reasoning"));
  model->eval();
  setHaltingProbability(*model, 0.999);  // every position halts after step 1
  torch::NoGradGuard no_grad;
  auto tokens = testing::randomTokens(1, 8, 259, 2);
  auto halted = model->forward(tokens, ForwardOptions::haltingEarly());
  auto full = model->forward(tokens);
  ASSERT_EQ(halted.steps_run, 1);
  EXPECT_TRUE(torch::equal(halted.step_hidden.back(), full.step_hidden[1]));
}

TEST(ActLoss, TargetIsWhetherTheStepIsAlreadyCorrect) {
  auto model = makeCognateModel(testing::smallConfig("speed"));
  model->eval();
  auto tokens = testing::randomTokens(2, 12, 259, 9);
  auto out = model->forward(tokens);
  // Targets chosen so step 1's prediction is right exactly at even positions.
  auto step1_pred = model->logits(out.step_hidden[1]).argmax(-1);
  auto targets = step1_pred.clone();
  auto odd = torch::arange(12).remainder(2) == 1;
  targets.masked_fill_(odd.unsqueeze(0).expand_as(targets), -100);
  auto loss = cognateLoss(*model, out, targets);

  double expected = 0;
  auto valid = (targets != -100).to(torch::kFloat32).reshape({-1});
  for (size_t t = 0; t < out.halt_logits.size(); ++t) {
    auto pred = model->logits(out.step_hidden[t + 1]).argmax(-1).reshape({-1});
    auto correct = (pred == targets.reshape({-1}).clamp_min(0)).to(torch::kFloat32);
    auto bce = torch::binary_cross_entropy_with_logits(out.halt_logits[t].reshape({-1}), correct,
                                                       {}, {}, at::Reduction::None);
    expected += ((bce * valid).sum() / valid.sum()).item<double>();
  }
  expected /= static_cast<double>(out.halt_logits.size());
  EXPECT_NEAR(loss.act_bce.item<double>(), expected, 1e-6);
}

TEST(DeepSupervision, WeightsTheStepsAndBackpropagatesEverywhere) {
  auto model = makeCognateModel(testing::smallConfig("reasoning"));
  auto tokens = testing::randomTokens(2, 12, 259, 4);
  auto targets = testing::randomTokens(2, 12, 259, 8);
  auto out = model->forward(tokens);
  auto loss = cognateLoss(*model, out, targets);
  const auto w = model->config().activeStepWeights();
  ASSERT_EQ(loss.step_ce.size(0), 4);
  double weighted = 0, sum = 0;
  for (size_t t = 0; t < w.size(); ++t) {
    weighted += w[t] * loss.step_ce[static_cast<int64_t>(t)].item<double>();
    sum += w[t];
  }
  EXPECT_NEAR(loss.deep_supervision.item<double>(), weighted / sum, 1e-5);
  EXPECT_NEAR(loss.final_ce.item<double>(), loss.step_ce[-1].item<double>(), 1e-6);
  loss.total.backward();
  for (const auto& p : model->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0.0) << p.key() << " gets no gradient";
  }
}

// The loss projects only the scored positions to logits; it must equal the cross-entropy over
// every position with the unscored ones ignored, and not depend on what they hold.
TEST(DeepSupervision, ScoresOnlyTheScoredPositionsAsAFullMaskedCrossEntropyWould) {
  auto model = makeCognateModel(testing::smallConfig("reasoning"));
  auto tokens = testing::randomTokens(2, 12, 259, 4);
  auto targets = testing::randomTokens(2, 12, 259, 8);
  targets.masked_fill_(torch::arange(12).remainder(3).ne(0).unsqueeze(0).expand_as(targets), -100);
  auto out = model->forward(tokens);
  auto loss = cognateLoss(*model, out, targets);
  auto logits = model->logits(out.step_hidden.back());
  const double full = torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(-1)}), targets.reshape({-1}),
                                                           torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-100))
                          .item<double>();
  EXPECT_NEAR(loss.final_ce.item<double>(), full, 1e-5);
  auto given = cognateLoss(*model, out, targets, -100, 0, scoredPositions(targets));
  EXPECT_EQ(given.total.item<double>(), loss.total.item<double>());
  EXPECT_EQ(scoredPositions(targets).numel(), 8);  // positions 0, 3, 6, 9 of two rows
}

// Training and validation run the last refinement step only at the scored positions
// (ForwardOptions::answer_positions): the loss, its parts and every gradient must be those
// of the full forward, whose other positions the loss never reads. Documents packed in a
// row, as the trainer sends them, and two micro steps, so the pruned one is the last.
TEST(DeepSupervision, TheLastStepAtTheScoredPositionsOnlyGivesTheFullForwardsLossAndGradients) {
  for (const std::string variant : {"reasoning", "speed", "memory+rope"}) {
    auto model = makeCognateModel(testing::smallConfig(variant));
    auto tokens = testing::randomTokens(2, 12, 259, 4);
    auto targets = testing::randomTokens(2, 12, 259, 8);
    targets.masked_fill_(torch::arange(12).remainder(4).ne(1).unsqueeze(0).expand_as(targets), -100);
    ForwardOptions options;
    options.segments = torch::arange(12).div(5, "floor").unsqueeze(0).expand({2, 12}).contiguous();
    const auto scored = scoredPositions(targets);

    auto full = cognateLoss(*model, model->forward(tokens, options), targets, -100, 0, scored);
    full.total.backward();
    std::map<std::string, torch::Tensor> full_grads;
    for (const auto& p : model->named_parameters()) full_grads[p.key()] = p.value().grad().clone();
    model->zero_grad();

    options.answer_positions = scored;
    const auto out = model->forward(tokens, options);
    ASSERT_EQ(out.step_hidden.back().sizes(), (std::vector<int64_t>{scored.numel(), 48})) << variant;
    ASSERT_EQ(out.halt_logits.back().size(0), scored.numel()) << variant;
    auto pruned = cognateLoss(*model, out, targets, -100, 0, scored);
    pruned.total.backward();
    EXPECT_NEAR(pruned.total.item<double>(), full.total.item<double>(), 1e-5) << variant;
    EXPECT_NEAR(pruned.final_ce.item<double>(), full.final_ce.item<double>(), 1e-5) << variant;
    EXPECT_NEAR(pruned.act_bce.item<double>(), full.act_bce.item<double>(), 1e-5) << variant;
    for (const auto& p : model->named_parameters()) {
      EXPECT_TRUE(torch::allclose(p.value().grad(), full_grads[p.key()], 1e-4, 1e-6)) << variant << " " << p.key();
    }
    EXPECT_TRUE(torch::equal(lastAnswerStates(out, scored), out.step_hidden.back())) << variant;
    // Mismatched positions are a caller's bug, not a silently wrong loss.
    EXPECT_THROW(cognateLoss(*model, out, targets, -100, 0, scored.slice(0, 1)), InvariantError) << variant;

    // Every position scored (data.loss_on: all): the full step runs, nothing gathered.
    const auto all = scoredPositions(torch::zeros({2, 12}, torch::kLong));
    options.answer_positions = all;
    const auto full_out = model->forward(tokens, options);
    EXPECT_FALSE(full_out.last_step_positions.defined()) << variant;
    EXPECT_EQ(full_out.step_hidden.back().sizes(), (std::vector<int64_t>{2, 12, 48})) << variant;
    EXPECT_TRUE(torch::allclose(lastAnswerStates(full_out, scored), out.step_hidden.back(), 1e-5, 1e-6)) << variant;
  }
  // Inference reads every position's answer.
  auto model = makeCognateModel(testing::smallConfig("reasoning"));
  auto options = ForwardOptions::haltingEarly();
  options.answer_positions = torch::arange(3);
  EXPECT_THROW(model->forward(testing::randomTokens(1, 6, 259, 4), options), InvariantError);
}

}  // namespace
}  // namespace cog::model
