#include "model/rotary.hpp"

#include <ATen/Parallel.h>
#include <torch/torch.h>

namespace cog::model {
namespace {

// [B, H, T, D] storage laid out [B, T, H, D], as the attention's projections are.
torch::Tensor emptyHeadsLast(const torch::Tensor& like) {
  return torch::empty({like.size(0), like.size(2), like.size(1), like.size(3)}, like.options())
      .permute({0, 2, 1, 3});
}

// out = R x for every (b, h, t) row: with c = cos, s = sin of the row's position and half
// = D/2, out[j] = x[j] c[j] - x[j+half] s[j] and out[j+half] = x[j+half] c[j+half] + x[j]
// s[j+half], times scale. `transpose` applies R^T instead (the backward: R is linear in x).
void rotateRows(const torch::Tensor& x, const Rotary& rotary, double scale, bool transpose,
                const torch::Tensor& out) {
  const int64_t batch = x.size(0), heads = x.size(1), seq = x.size(2), dim = x.size(3),
                half = dim / 2;
  const auto cos = rotary.cos.contiguous(), sin = rotary.sin.contiguous();
  const int64_t table_batch_stride = cos.size(0) == 1 ? 0 : seq * dim;
  const float *xs = x.data_ptr<float>(), *cs = cos.data_ptr<float>(), *ss = sin.data_ptr<float>();
  float* os = out.data_ptr<float>();
  const float k = static_cast<float>(scale), sign = transpose ? -1.f : 1.f;
  at::parallel_for(0, batch * heads, 1, [&](int64_t begin, int64_t end) {
    for (int64_t bh = begin; bh < end; ++bh) {
      const int64_t b = bh / heads, h = bh % heads;
      for (int64_t t = 0; t < seq; ++t) {
        const float* in = xs + b * x.stride(0) + h * x.stride(1) + t * x.stride(2);
        float* o = os + b * out.stride(0) + h * out.stride(1) + t * out.stride(2);
        const float* c = cs + b * table_batch_stride + t * dim;
        // R^T pairs x[j+half] with s[j+half] (not s[j]) in the first half and vice versa.
        const float* s_lo = ss + b * table_batch_stride + t * dim + (transpose ? half : 0);
        const float* s_hi = ss + b * table_batch_stride + t * dim + (transpose ? 0 : half);
#pragma omp simd
        for (int64_t j = 0; j < half; ++j) {
          o[j] = k * (in[j] * c[j] - sign * in[j + half] * s_lo[j]);
          o[j + half] = k * (in[j + half] * c[j + half] + sign * in[j] * s_hi[j]);
        }
      }
    }
  });
}

struct FusedRotary : torch::autograd::Function<FusedRotary> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x_in,
                               const torch::Tensor& cos, const torch::Tensor& sin, double scale) {
    const auto x = x_in.stride(3) == 1 ? x_in : x_in.contiguous();
    auto out = emptyHeadsLast(x);
    rotateRows(x, {cos, sin}, scale, false, out);
    ctx->save_for_backward({cos, sin});
    ctx->saved_data["scale"] = scale;
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto grad = grads[0].stride(3) == 1 ? grads[0] : grads[0].contiguous();
    auto grad_x = emptyHeadsLast(grad);
    rotateRows(grad, {saved[0], saved[1]}, ctx->saved_data["scale"].toDouble(), true, grad_x);
    return {grad_x, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

Rotary rotaryTables(const torch::Tensor& positions, int64_t head_dim, double base,
                    torch::ScalarType dtype) {
  const auto on = torch::TensorOptions().dtype(torch::kFloat64).device(positions.device());
  // Angles in float64 so that long positions keep their low-frequency precision.
  auto inverse_frequency =
      torch::pow(base, -torch::arange(0, head_dim, 2, on) / static_cast<double>(head_dim));
  auto angles = positions.to(torch::kFloat64).unsqueeze(-1) * inverse_frequency;  // [.., T, hd/2]
  angles = torch::cat({angles, angles}, -1);
  // [T, hd] -> [1, 1, T, hd]; [B, T, hd] -> [B, 1, T, hd]: broadcast over heads.
  angles = positions.dim() == 1 ? angles.unsqueeze(0).unsqueeze(0) : angles.unsqueeze(1);
  return {angles.cos().to(dtype), angles.sin().to(dtype)};
}

torch::Tensor rotateReference(const torch::Tensor& x, const Rotary& rotary, double scale) {
  const int64_t half = x.size(-1) / 2;
  auto rotated_half = torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
  auto out = x * rotary.cos + rotated_half * rotary.sin;
  return scale == 1.0 ? out : out * scale;
}

torch::Tensor rotateFused(const torch::Tensor& x, const Rotary& rotary, double scale) {
  return FusedRotary::apply(x, rotary.cos, rotary.sin, scale);
}

torch::Tensor applyRotary(const torch::Tensor& x, const Rotary& rotary, double scale) {
  // The fused pass reads the tables as [1 or B, 1, T, D], the layout rotaryTables builds.
  const auto& table = rotary.cos;
  const bool fused =
      x.dim() == 4 && x.device().is_cpu() && x.scalar_type() == torch::kFloat32 &&
      x.size(3) % 2 == 0 && x.numel() > 0 && table.scalar_type() == torch::kFloat32 &&
      rotary.sin.scalar_type() == torch::kFloat32 && table.dim() == 4 &&
      table.sizes() == rotary.sin.sizes() && (table.size(0) == 1 || table.size(0) == x.size(0)) &&
      table.size(1) == 1 && table.size(2) == x.size(2) && table.size(3) == x.size(3);
  return fused ? rotateFused(x, rotary, scale) : rotateReference(x, rotary, scale);
}

}  // namespace cog::model
