#include "optim/newton_schulz.hpp"

#include <algorithm>
#include <string>

#include "common/error.hpp"

namespace cog::optim {

torch::Tensor newtonSchulzOrthogonalize(const torch::Tensor& g, int steps,
                                        NewtonSchulzCoefficients coeffs) {
  if (g.dim() != 2) {
    throw InvariantError("newtonSchulzOrthogonalize needs a 2-D matrix, got " +
                         std::to_string(g.dim()) + " dims");
  }
  return newtonSchulzOrthogonalizeBatch({g}, steps, coeffs).front();
}

std::vector<torch::Tensor> newtonSchulzOrthogonalizeBatch(const std::vector<torch::Tensor>& gs, int steps,
                                                          NewtonSchulzCoefficients coeffs) {
  if (gs.empty()) return {};
  const int64_t m = std::min(gs.front().size(0), gs.front().size(-1));
  const int64_t n = std::max(gs.front().size(0), gs.front().size(-1));
  std::vector<torch::Tensor> wide;  // every matrix as m x n, m <= n
  wide.reserve(gs.size());
  for (const torch::Tensor& g : gs) {
    if (g.dim() != 2 || std::min(g.size(0), g.size(1)) != m || std::max(g.size(0), g.size(1)) != n) {
      throw InvariantError("newtonSchulzOrthogonalizeBatch: every matrix must be " + std::to_string(m) + " x " +
                           std::to_string(n) + " or its transpose, got " + std::to_string(g.dim()) + "-D " +
                           std::to_string(g.size(0)) + (g.dim() > 1 ? " x " + std::to_string(g.size(1)) : ""));
    }
    // float32 even for half/bf16 parameters: the normalised entries are small and the
    // polynomial subtracts nearly equal terms. (bf16 on GPU would also do; not needed yet.)
    const torch::Tensor x = g.to(torch::kFloat32);
    wide.push_back(g.size(0) > g.size(1) ? x.t() : x);
  }
  torch::Tensor x = wide.size() == 1 ? wide.front().unsqueeze(0) : torch::stack(wide);  // [k, m, n]
  // Each matrix by its own Frobenius norm. 1e-7 keeps an all-zero update (e.g. a parameter
  // that got no gradient signal) at zero instead of dividing by zero.
  x = x / (x.norm(2, {1, 2}, /*keepdim=*/true) + 1e-7);
  for (int i = 0; i < steps; ++i) {
    const torch::Tensor a = torch::bmm(x, x.transpose(1, 2));
    const torch::Tensor b = torch::baddbmm(a, a, a, /*beta=*/coeffs.b, /*alpha=*/coeffs.c);
    x = torch::baddbmm(x, b, x, /*beta=*/coeffs.a, /*alpha=*/1.0);
  }
  std::vector<torch::Tensor> out;
  out.reserve(gs.size());
  for (size_t i = 0; i < gs.size(); ++i) {
    const torch::Tensor o = gs[i].size(0) > gs[i].size(1) ? x[static_cast<int64_t>(i)].t() : x[static_cast<int64_t>(i)];
    out.push_back(o.to(gs[i].scalar_type()).contiguous());
  }
  return out;
}

}  // namespace cog::optim
