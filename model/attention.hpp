#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace cog::model {

// Bool [T, T] mask, true where query position i may attend key position j:
// j <= i (causal) and i - j < window (sliding window). The original project's band mask let
// positions see the future; this function is the single place the rule lives.
torch::Tensor slidingCausalMask(int64_t seq_len, int64_t window, const torch::Device& device);

// Rotary position tables (RoPE) for one forward: cos and sin of position x frequency, each
// [B or 1, 1, T, head_dim] (the head_dim/2 frequencies twice, for the rotate-half form).
// Default-constructed (undefined) when the model uses learned positions.
struct Rotary {
  torch::Tensor cos, sin;
  bool enabled() const { return cos.defined(); }
};

// positions: [T] or [B, T] int64, each token's position in its document.
Rotary rotaryTables(const torch::Tensor& positions, int64_t head_dim, double base,
                    torch::ScalarType dtype);

// Rotates x ([B, H, T, head_dim]) by the tables: pairs (i, i + head_dim/2) turn by angle
// position x base^(-2i/head_dim), so q.k depends on the two positions' difference only.
torch::Tensor applyRotary(const torch::Tensor& x, const Rotary& rotary);

// Multi-head attention whose queries come from one sequence and keys/values from another of
// the same length (the same tensor for self-attention, the answer state for the TRM
// cross-attention). Both use slidingCausalMask, so cross-attention is causal too.
// `same_document` ([B, T, T] bool from sameDocumentMask, or undefined) further keeps a
// query inside its own document. `rotary` (enabled with positions: rope) rotates queries
// and keys alike.
class CausalAttentionImpl : public torch::nn::Module {
 public:
  CausalAttentionImpl(int64_t d_model, int64_t n_heads, int64_t head_dim, int64_t window,
                      double dropout);
  torch::Tensor forward(const torch::Tensor& query_input, const torch::Tensor& kv_input,
                        const torch::Tensor& same_document = {}, const Rotary& rotary = {});

  // Largest pre-softmax logit per head over every call since resetMaxLogits(), [n_heads],
  // detached, on the module's device. The refiner calls its attentions t_max x micro_steps
  // times per model forward, and QK-clip must see the largest of all of them, not the last.
  // Undefined before the first call.
  const torch::Tensor& maxLogitPerHead() const { return max_logit_; }
  // Starts a new maximum; the model calls it at the start of each forward.
  void resetMaxLogits() { max_logit_ = torch::Tensor(); }
  int64_t numHeads() const { return n_heads_; }

  torch::nn::Linear wq{nullptr}, wk{nullptr}, wv{nullptr}, wo{nullptr};

 private:
  int64_t n_heads_;
  int64_t head_dim_;
  int64_t window_;
  double dropout_;
  torch::Tensor max_logit_;
};
TORCH_MODULE(CausalAttention);

}  // namespace cog::model
