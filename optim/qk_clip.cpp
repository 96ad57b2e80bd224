#include "optim/qk_clip.hpp"

#include <cmath>
#include <sstream>

#include "common/enforce.hpp"

namespace cog::optim {

std::vector<int64_t> qkClip(torch::Tensor wq, torch::Tensor wk, int64_t num_heads,
                            const torch::Tensor& max_logit_per_head, double tau) {
  COG_ENFORCE_GT(tau, 0.0);
  COG_ENFORCE_GT(num_heads, 0);
  COG_ENFORCE_EQ(wq.dim(), 2);
  COG_ENFORCE_EQ(wq.sizes(), wk.sizes());
  COG_ENFORCE_EQ(wq.size(0) % num_heads, 0);
  COG_ENFORCE_EQ(max_logit_per_head.numel(), num_heads);
  const int64_t headDim = wq.size(0) / num_heads;
  const torch::Tensor logits =
      max_logit_per_head.detach().to(torch::kCPU, torch::kDouble).flatten();
  const auto s = logits.accessor<double, 1>();

  torch::NoGradGuard noGrad;
  std::vector<int64_t> clipped;
  for (int64_t h = 0; h < num_heads; ++h) {
    // A non-finite S would scale the head to 0 or NaN; that is divergence for the health
    // monitor to report, not something to clip.
    if (!std::isfinite(s[h]) || s[h] <= tau) continue;
    const double factor = std::sqrt(tau / s[h]);
    wq.narrow(0, h * headDim, headDim).mul_(factor);
    wk.narrow(0, h * headDim, headDim).mul_(factor);
    clipped.push_back(h);
  }
  return clipped;
}

}  // namespace cog::optim
