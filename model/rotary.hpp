#pragma once
#include <torch/types.h>

namespace cog::model {

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

// Rotates x ([B, H, T, head_dim]) by the tables and multiplies it by `scale`: pairs (i,
// i + head_dim/2) turn by angle position x base^(-2i/head_dim), so q.k depends on the two
// positions' difference only. The attention passes its 1/sqrt(head_dim) as the queries'
// scale, one pass fewer. On float32 CPU tensors one fused pass each way (rotateFused, its
// result laid out [B, T, H, hd] as the projections are), elsewhere LibTorch's expression
// (rotateReference); tests hold them to 1e-6.
torch::Tensor applyRotary(const torch::Tensor& x, const Rotary& rotary, double scale = 1.0);
torch::Tensor rotateReference(const torch::Tensor& x, const Rotary& rotary, double scale);
torch::Tensor rotateFused(const torch::Tensor& x, const Rotary& rotary, double scale);

}  // namespace cog::model
