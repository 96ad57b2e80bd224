#include "optim/grad_clip.hpp"

#include <cmath>

namespace cog::optim {

double clipGradNorm(const std::vector<torch::Tensor>& params, double max_norm) {
  torch::NoGradGuard noGrad;
  std::vector<torch::Tensor> grads;
  std::vector<torch::Tensor> norms;
  for (const torch::Tensor& p : params) {
    const torch::Tensor& g = p.grad();
    if (!g.defined()) continue;
    grads.push_back(g);
    // Per-tensor norms in float32 then one reduction and a single .item(): one device
    // sync per call rather than one per parameter.
    norms.push_back(g.norm().to(torch::kFloat32).to(grads.front().device()));
  }
  if (grads.empty()) return 0.0;
  const double total = torch::stack(norms).norm().item<double>();
  if (!std::isfinite(total) || max_norm <= 0.0 || total <= max_norm) return total;
  const double coef = max_norm / (total + 1e-6);
  for (torch::Tensor& g : grads) g.mul_(coef);
  return total;
}

}  // namespace cog::optim
