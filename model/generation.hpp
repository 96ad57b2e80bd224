#pragma once
#include <cstdint>
#include <vector>

#include "model/cognate.hpp"

namespace cog::model {

struct GenerationOptions {
  int64_t max_new_tokens = 32;
  double temperature = 0.0;  // 0 = greedy (argmax)
  int64_t top_k = 0;         // 0 = whole vocabulary
  int64_t stop_token = -1;   // stop after emitting this id (EOS); -1 = never
  uint64_t seed = 0;         // sampling RNG seed (ignored when greedy)
};

// Autoregressive decoding with ACT halting enabled. The context is cropped to the last
// max_seq_len tokens. Recomputes the whole prefix per token (no KV cache): the models Cog
// evaluates on CPU are small and answers short, so clarity wins over speed here.
// Returns only the new tokens (including the stop token if emitted).
std::vector<int64_t> generate(CognateModelImpl& model, const std::vector<int64_t>& prompt,
                              const GenerationOptions& options);

}  // namespace cog::model
