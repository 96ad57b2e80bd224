#include "model/rms_norm.hpp"

#include <torch/torch.h>

namespace cog::model {

RmsNormImpl::RmsNormImpl(int64_t dim, double eps) : eps_(eps) {
  weight_ = register_parameter("weight", torch::ones({dim}));
}

torch::Tensor RmsNormImpl::forward(const torch::Tensor& x) {
  auto inv_rms = torch::rsqrt(x.pow(2).mean(-1, /*keepdim=*/true) + eps_);
  return x * inv_rms * weight_;
}

}  // namespace cog::model
