#include "model/rms_norm.hpp"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace cog::model {
namespace {

// Rows per block of the weight gradient's partial sums: fixed, so that the sum's order, and
// so its rounding, does not depend on the thread count.
constexpr int64_t kRowsPerBlock = 64;

// One pass forward and one backward over [rows, dim] float32 rows, where LibTorch's
// expression (pow, mean, add, rsqrt, mul, mul) makes six passes and an allocation each way
// and its backward another ten: the refiner normalises 18 times a forward, and on the
// tiny-demo model these small elementwise passes were the largest cost after the matmuls.
struct FusedRmsNorm : torch::autograd::Function<FusedRmsNorm> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x_in,
                               const torch::Tensor& weight, double eps) {
    const auto x = x_in.contiguous();
    const int64_t dim = x.size(-1), rows = x.numel() / dim;
    auto y = torch::empty_like(x);
    auto inv_rms = torch::empty({rows}, x.options());
    const float* xs = x.data_ptr<float>();
    const float* w = weight.data_ptr<float>();
    float* ys = y.data_ptr<float>();
    float* r = inv_rms.data_ptr<float>();
    at::parallel_for(0, rows, kRowsPerBlock, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const float* row = xs + i * dim;
        float squares = 0.f;
#pragma omp simd reduction(+ : squares)
        for (int64_t j = 0; j < dim; ++j) squares += row[j] * row[j];
        const float inv =
            1.f / std::sqrt(squares / static_cast<float>(dim) + static_cast<float>(eps));
        r[i] = inv;
        float* out = ys + i * dim;
#pragma omp simd
        for (int64_t j = 0; j < dim; ++j) out[j] = row[j] * inv * w[j];
      }
    });
    ctx->save_for_backward({x, weight, inv_rms});
    return y;
  }

  // y = x r w with r = (mean(x^2) + eps)^-1/2: dx = r (g w) - x r^3 mean(g w x); dw = sum g x r.
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &weight = saved[1], &inv_rms = saved[2];
    const auto grad = grads[0].contiguous();
    const int64_t dim = x.size(-1), rows = x.numel() / dim;
    const int64_t blocks = (rows + kRowsPerBlock - 1) / kRowsPerBlock;
    auto grad_x = torch::empty_like(x);
    std::vector<float> partial_w(static_cast<size_t>(blocks * dim), 0.f);
    const float *xs = x.data_ptr<float>(), *w = weight.data_ptr<float>(),
                *r = inv_rms.data_ptr<float>(), *g = grad.data_ptr<float>();
    float* dx = grad_x.data_ptr<float>();
    at::parallel_for(0, blocks, 1, [&](int64_t first_block, int64_t end_block) {
      for (int64_t block = first_block; block < end_block; ++block) {
        float* dw = partial_w.data() + block * dim;
        for (int64_t i = block * kRowsPerBlock; i < std::min(rows, (block + 1) * kRowsPerBlock);
             ++i) {
          const float *row = xs + i * dim, *grow = g + i * dim;
          const float inv = r[i];
          float dot = 0.f;
#pragma omp simd reduction(+ : dot)
          for (int64_t j = 0; j < dim; ++j) dot += grow[j] * w[j] * row[j];
          const float correction = inv * inv * inv * dot / static_cast<float>(dim);
          float* out = dx + i * dim;
#pragma omp simd
          for (int64_t j = 0; j < dim; ++j) {
            out[j] = inv * grow[j] * w[j] - row[j] * correction;
            dw[j] += grow[j] * row[j] * inv;
          }
        }
      }
    });
    auto grad_w = torch::zeros_like(weight);
    float* dw = grad_w.data_ptr<float>();
    for (int64_t block = 0; block < blocks; ++block) {
      const float* part = partial_w.data() + block * dim;
      for (int64_t j = 0; j < dim; ++j) dw[j] += part[j];
    }
    return {grad_x, grad_w, torch::Tensor()};
  }
};

bool fusedApplies(const torch::Tensor& x, const torch::Tensor& weight) {
  return x.dim() >= 1 && x.device().is_cpu() && weight.device().is_cpu() &&
         x.scalar_type() == torch::kFloat32 && weight.scalar_type() == torch::kFloat32 &&
         weight.is_contiguous() && x.numel() > 0 && weight.dim() == 1 &&
         weight.size(0) == x.size(-1);
}

}  // namespace

torch::Tensor rmsNormReference(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  auto inv_rms = torch::rsqrt(x.pow(2).mean(-1, /*keepdim=*/true) + eps);
  return x * inv_rms * weight;
}

torch::Tensor rmsNormFused(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  return FusedRmsNorm::apply(x, weight, eps);
}

RmsNormImpl::RmsNormImpl(int64_t dim, double eps) : eps_(eps) {
  weight_ = register_parameter("weight", torch::ones({dim}));
}

torch::Tensor RmsNormImpl::forward(const torch::Tensor& x) {
  return fusedApplies(x, weight_) ? rmsNormFused(x, weight_, eps_)
                                  : rmsNormReference(x, weight_, eps_);
}

}  // namespace cog::model
