// Changing token t+k must never change log-probs at positions <= t: through the attention
// mask, the memory scan, the MAG gate, every recursion step and ACT-halted inference. The
// original project's band mask let attention see future tokens; this is the test that would
// have caught it.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/attention.hpp"
#include "model/cognate.hpp"
#include "model/ltm_memory.hpp"
#include "model_test_util.hpp"

namespace cog::model {
namespace {

constexpr int64_t kSeq = 24;
constexpr int64_t kCut = 10;  // tokens after this position are perturbed

torch::Tensor perturbAfter(const torch::Tensor& tokens, int64_t cut, int64_t vocab) {
  auto changed = tokens.clone();
  auto tail = changed.index({torch::indexing::Slice(), torch::indexing::Slice(cut + 1)});
  tail.copy_((tail + 1 + torch::arange(tail.size(1)).remainder(vocab - 1)).remainder(vocab));
  return changed;
}

double maxDiffUpTo(const torch::Tensor& a, const torch::Tensor& b, int64_t cut) {
  using torch::indexing::Slice;
  auto pa = torch::log_softmax(a.index({Slice(), Slice(0, cut + 1)}), -1);
  auto pb = torch::log_softmax(b.index({Slice(), Slice(0, cut + 1)}), -1);
  return (pa - pb).abs().max().item<double>();
}

double maxDiffAfter(const torch::Tensor& a, const torch::Tensor& b, int64_t cut) {
  using torch::indexing::Slice;
  return (a.index({Slice(), Slice(cut + 1)}) - b.index({Slice(), Slice(cut + 1)})).abs().max().item<double>();
}

class CausalityTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CausalityTest, FutureTokensNeverChangePastLogProbsAtAnyStep) {
  auto config = testing::smallConfig(GetParam());
  auto model = makeCognateModel(config);
  model->eval();
  torch::NoGradGuard no_grad;
  auto tokens = testing::randomTokens(2, kSeq, config.vocab_size, 7);
  auto changed = perturbAfter(tokens, kCut, config.vocab_size);

  auto a = model->forward(tokens);
  auto b = model->forward(changed);
  ASSERT_EQ(a.step_hidden.size(), static_cast<size_t>(config.t_max + 1));
  for (size_t step = 0; step < a.step_hidden.size(); ++step) {
    auto la = model->logits(a.step_hidden[step]);
    auto lb = model->logits(b.step_hidden[step]);
    EXPECT_LE(maxDiffUpTo(la, lb, kCut), 1e-5) << "step y" << step;
    // Control: the perturbation is real, later positions do change.
    EXPECT_GT(maxDiffAfter(la, lb, kCut), 1e-4) << "step y" << step;
  }
  for (size_t step = 0; step < a.halt_logits.size(); ++step) {
    using torch::indexing::Slice;
    auto ha = a.halt_logits[step].index({Slice(), Slice(0, kCut + 1)});
    auto hb = b.halt_logits[step].index({Slice(), Slice(0, kCut + 1)});
    EXPECT_LE((ha - hb).abs().max().item<double>(), 1e-5) << "halting step " << step + 1;
  }
}

TEST_P(CausalityTest, HaltedInferenceIsCausalToo) {
  auto config = testing::smallConfig(GetParam());
  auto model = makeCognateModel(config);
  model->eval();
  torch::NoGradGuard no_grad;
  // Make some positions halt after step 1 and others not: the halting head reads the latent
  // state, so give it a bias at the threshold and a large random weight.
  model->halt->weight.normal_(0.0, 2.0);
  model->halt->bias.fill_(std::log(config.act_threshold / (1 - config.act_threshold)));
  auto tokens = testing::randomTokens(2, kSeq, config.vocab_size, 11);
  auto changed = perturbAfter(tokens, kCut, config.vocab_size);
  auto la = model->inferLogits(tokens);
  auto lb = model->inferLogits(changed);
  EXPECT_LE(maxDiffUpTo(la, lb, kCut), 1e-5);
  EXPECT_GT(maxDiffAfter(la, lb, kCut), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(Variants, CausalityTest,
                         ::testing::Values("reasoning", "memory", "speed", "reasoning+rope", "memory+rope"));

TEST(SlidingCausalMask, AllowsExactlyThePastWithinTheWindow) {
  auto mask = slidingCausalMask(6, 3, torch::kCPU);
  for (int64_t i = 0; i < 6; ++i) {
    for (int64_t j = 0; j < 6; ++j) {
      const bool expected = j <= i && i - j < 3;
      EXPECT_EQ(mask[i][j].item<bool>(), expected) << "query " << i << " key " << j;
    }
  }
}

TEST(EmaDecayMatrix, EqualsTheStepByStepRecurrence) {
  const double decay = 0.9;
  auto c = torch::randn({1, 12, 3}, torch::kFloat64);
  auto scanned = torch::matmul(emaDecayMatrix(12, decay, torch::kFloat64), c);
  auto m = torch::zeros({1, 3}, torch::kFloat64);
  for (int64_t t = 0; t < 12; ++t) {
    m = decay * m + (1 - decay) * c.select(1, t);
    EXPECT_LE((scanned.select(1, t) - m).abs().max().item<double>(), 1e-12) << "t=" << t;
  }
}

}  // namespace
}  // namespace cog::model
