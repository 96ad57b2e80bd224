#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/cognate.hpp"
#include "model/model_config.hpp"

namespace cog::model {
namespace {

// The analytic count, written out from DESIGN.md's architecture independently of the code:
// every Linear is bias-free except the MAG gate's two and the halting head.
int64_t analyticParameterCount(const ModelConfig& c) {
  const int64_t d = c.d_model;
  const int64_t attention = 4 * d * c.n_heads * c.head_dim;  // wq, wk, wv, wo
  const int64_t swiglu = 3 * d * c.d_ff;
  const int64_t block = 2 * d + attention + swiglu;           // two RMSNorms
  const int64_t positions = c.positions == "learned" ? c.max_seq_len * d : 0;  // RoPE has none
  const int64_t embeddings = c.vocab_size * d + positions;  // LM head is tied
  const int64_t memory = 2 * d * c.d_mem;
  const int64_t mag = (2 * d * d + d) + (d * d + d);
  const int64_t refiner = 6 * d + 2 * attention + swiglu + 2 * d * d;
  const int64_t halt = d + 1;
  const int64_t final_norm = d;
  return embeddings + c.n_layers * block + memory + mag + refiner + halt + final_norm;
}

TEST(ParameterCount, DefaultPresetMatchesTheFormula) {
  auto config = makeModelConfig("default", "reasoning");
  auto model = makeCognateModel(config);
  const int64_t counted = parameterCount(*model);
  EXPECT_EQ(counted, analyticParameterCount(config));
  // DESIGN.md: about 32.5M parameters.
  EXPECT_GT(counted, 31'500'000);
  EXPECT_LT(counted, 33'500'000);
}

TEST(ParameterCount, EveryVariantOfBothPresetsMatchesTheFormula) {
  for (const auto& preset : presetNames()) {
    for (const auto& variant : variantNames()) {
      for (const char* positions : {"learned", "rope"}) {
        auto config = makeModelConfig(preset, variant);
        config.positions = positions;
        auto model = CognateModel(config);
        EXPECT_EQ(parameterCount(*model), analyticParameterCount(config))
            << preset << "/" << variant << "/" << positions;
      }
    }
  }
}

TEST(ParameterCount, TinyPresetIsBetweenOneAndThreeMillion) {
  auto model = CognateModel(makeModelConfig("tiny", "reasoning"));
  EXPECT_GE(parameterCount(*model), 1'000'000);
  EXPECT_LE(parameterCount(*model), 3'000'000);
}

TEST(ParameterCount, BreakdownSumsToTheTotalAndTiesTheHead) {
  auto model = CognateModel(makeModelConfig("tiny", "speed"));
  int64_t sum = 0;
  for (const auto& [name, count] : parameterBreakdown(*model)) sum += count;
  EXPECT_EQ(sum, parameterCount(*model));
  // Tied LM head: logits are the embedding matrix applied to the final state.
  torch::NoGradGuard no_grad;
  auto hidden = torch::randn({1, 2, model->config().d_model});
  auto expected = torch::matmul(model->final_norm(hidden), model->tok_emb->weight.t());
  EXPECT_TRUE(torch::equal(model->logits(hidden), expected));
}

}  // namespace
}  // namespace cog::model
