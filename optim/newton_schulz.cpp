#include "optim/newton_schulz.hpp"

#include <string>

#include "common/error.hpp"

namespace cog::optim {

torch::Tensor newtonSchulzOrthogonalize(const torch::Tensor& g, int steps,
                                        NewtonSchulzCoefficients coeffs) {
  if (g.dim() != 2) {
    throw InvariantError("newtonSchulzOrthogonalize needs a 2-D matrix, got " +
                         std::to_string(g.dim()) + " dims");
  }
  // float32 even for half/bf16 parameters: the normalised entries are small and the
  // polynomial subtracts nearly equal terms. (bf16 on GPU would also do; not needed yet.)
  torch::Tensor x = g.to(torch::kFloat32);
  const bool transposed = x.size(0) > x.size(1);
  if (transposed) x = x.t();
  // 1e-7 keeps an all-zero update (e.g. a parameter that got no gradient signal) at zero
  // instead of dividing by zero.
  x = x / (x.norm() + 1e-7);
  for (int i = 0; i < steps; ++i) {
    const torch::Tensor a = torch::mm(x, x.t());
    const torch::Tensor b = torch::addmm(a, a, a, /*beta=*/coeffs.b, /*alpha=*/coeffs.c);
    x = torch::addmm(x, b, x, /*beta=*/coeffs.a, /*alpha=*/1.0);
  }
  if (transposed) x = x.t();
  return x.to(g.scalar_type()).contiguous();
}

}  // namespace cog::optim
