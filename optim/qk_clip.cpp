#include "optim/qk_clip.hpp"

#include <torch/torch.h>

#include "common/enforce.hpp"

namespace cog::optim {

torch::Tensor qkClip(torch::Tensor wq, torch::Tensor wk, int64_t num_heads,
                     const torch::Tensor& max_logit_per_head, double tau) {
  COG_ENFORCE_GT(tau, 0.0);
  COG_ENFORCE_GT(num_heads, 0);
  COG_ENFORCE_EQ(wq.dim(), 2);
  COG_ENFORCE_EQ(wq.sizes(), wk.sizes());
  COG_ENFORCE_EQ(wq.size(0) % num_heads, 0);
  COG_ENFORCE_EQ(max_logit_per_head.numel(), num_heads);
  const int64_t head_dim = wq.size(0) / num_heads;
  const torch::Tensor s = max_logit_per_head.detach().to(wq.device(), torch::kDouble).flatten();

  torch::NoGradGuard no_grad;
  // A non-finite S would scale the head to 0 or NaN; that is divergence for the health
  // monitor to report, not something to clip. Unclipped heads are multiplied by exactly 1.
  const torch::Tensor clipped = torch::isfinite(s) & (s > tau);
  const torch::Tensor factor =
      torch::where(clipped, torch::sqrt(tau / s), torch::ones_like(s)).to(wq.scalar_type()).view({num_heads, 1, 1});
  wq.view({num_heads, head_dim, wq.size(1)}).mul_(factor);
  wk.view({num_heads, head_dim, wk.size(1)}).mul_(factor);
  return clipped;
}

std::vector<int64_t> clippedHeads(const torch::Tensor& clipped) {
  const torch::Tensor indices = clipped.flatten().nonzero().flatten().to(torch::kCPU, torch::kLong);
  return std::vector<int64_t>(indices.data_ptr<int64_t>(), indices.data_ptr<int64_t>() + indices.numel());
}

}  // namespace cog::optim
