#pragma once
// Small models for fast model tests: the tiny preset shrunk further where a test only needs
// the structure, never the capacity.
#include "model/cognate.hpp"
#include "model/model_config.hpp"

namespace cog::model::testing {

// spec: a variant name, or "<variant>+rope" for the variant with rotary positions.
inline ModelConfig smallConfig(const std::string& spec) {
  const auto plus = spec.find('+');
  const std::string variant = spec.substr(0, plus);
  ModelConfig c = makeModelConfig("tiny", variant);
  if (plus != std::string::npos) c.positions = spec.substr(plus + 1);
  c.d_model = 48;
  c.n_layers = 2;
  c.n_heads = 3;
  c.head_dim = 16;
  c.d_ff = 96;
  c.d_mem = variant == "memory" ? 32 : 16;
  c.max_seq_len = 64;
  c.attention_window = 8;  // shorter than the test sequences, so the window matters
  c.micro_steps = 2;
  c.dropout = 0.0;
  c.validate();
  return c;
}

inline torch::Tensor randomTokens(int64_t batch, int64_t seq, int64_t vocab, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  return torch::randint(vocab, {batch, seq}, gen, torch::kLong);
}

}  // namespace cog::model::testing
