// What QK-clip reads from the model: the largest attention logit per head over a whole
// forward, every call of a module included, and a fresh maximum for each forward.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/attention.hpp"
#include "model_test_util.hpp"

namespace cog::model {
namespace {

TEST(AttentionLogits, TheMaximumRunsOverEveryCallUntilReset) {
  torch::manual_seed(11);
  CausalAttention attention(16, 2, 8, 8, 0.0);
  const auto small = torch::randn({2, 6, 16});
  const auto large = small * 4;  // logits grow 16-fold

  attention->forward(large, large);
  const auto large_only = attention->maxLogitPerHead().clone();
  attention->resetMaxLogits();
  attention->forward(small, small);
  const auto small_only = attention->maxLogitPerHead().clone();
  ASSERT_TRUE(torch::all(large_only > small_only).item<bool>()) << large_only << small_only;

  // Large then small: the maximum is the large call's, not the last call's.
  attention->resetMaxLogits();
  attention->forward(large, large);
  attention->forward(small, small);
  EXPECT_TRUE(torch::equal(attention->maxLogitPerHead(), large_only));
  attention->resetMaxLogits();
  EXPECT_FALSE(attention->maxLogitPerHead().defined());
}

// RoPE: shifting every position by the same amount leaves attention unchanged (scores see
// only distances), while shuffling the distances changes it; and the rotation keeps norms.
TEST(Rotary, AttentionSeesOnlyTheDistanceBetweenPositions) {
  torch::manual_seed(5);
  CausalAttention attention(16, 2, 8, 8, 0.0);
  const auto x = torch::randn({2, 6, 16});
  const auto from = [](int64_t first) { return torch::arange(first, first + 6, torch::kLong); };
  const auto at0 = attention->forward(x, x, {{}, rotaryTables(from(0), 8, 10000.0, torch::kFloat)});
  const auto at37 = attention->forward(x, x, {{}, rotaryTables(from(37), 8, 10000.0, torch::kFloat)});
  EXPECT_LE((at0 - at37).abs().max().item<double>(), 1e-5);
  const auto spread = rotaryTables(torch::arange(0, 18, 3, torch::kLong), 8, 10000.0, torch::kFloat);
  EXPECT_GT((attention->forward(x, x, {{}, spread}) - at0).abs().max().item<double>(), 1e-4);
  const auto q = torch::randn({2, 2, 6, 8});
  const auto rotated = applyRotary(q, rotaryTables(from(3), 8, 10000.0, torch::kFloat));
  EXPECT_TRUE(torch::allclose(rotated.norm(2, -1), q.norm(2, -1), 1e-5, 1e-5));
  // Per-row positions ([B, T], as packed documents give) broadcast over heads alike.
  const auto rows = rotaryTables(torch::stack({from(0), from(37)}), 8, 10000.0, torch::kFloat);
  EXPECT_LE((attention->forward(x, x, {{}, rows}) - at0).abs().max().item<double>(), 1e-5);
}

// The refiner's attentions run t_max x micro_steps times per forward; each model forward
// starts a new maximum, so the maxima after forward(B) do not remember forward(A).
TEST(AttentionLogits, EachModelForwardStartsANewMaximum) {
  const auto config = testing::smallConfig("reasoning");
  const auto a = testing::randomTokens(2, 12, config.vocab_size, 1);
  const auto b = testing::randomTokens(2, 12, config.vocab_size, 2);
  auto after_both = makeCognateModel(config);
  after_both->forward(a);
  after_both->forward(b);
  auto after_b = makeCognateModel(config);
  after_b->forward(b);
  const auto both = after_both->attentionHandles();
  const auto only = after_b->attentionHandles();
  ASSERT_EQ(both.size(), only.size());
  for (size_t i = 0; i < both.size(); ++i) {
    ASSERT_TRUE(both[i].max_logit_per_head.defined()) << both[i].name;
    EXPECT_TRUE(torch::equal(both[i].max_logit_per_head, only[i].max_logit_per_head)) << both[i].name;
  }
}

}  // namespace
}  // namespace cog::model
