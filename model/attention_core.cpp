#include "model/attention_core.hpp"

#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <torch/torch.h>

#include <functional>

#include "common/error.hpp"

namespace cog::model {
namespace {

// cblas_sgemm as the CBLAS standard fixes its C ABI (enums passed as int, LP64 ints), so that
// no cblas.h is needed; the constants are the standard's.
using Sgemm = void (*)(int order, int trans_a, int trans_b, int m, int n, int k, float alpha,
                       const float* a, int lda, const float* b, int ldb, float beta, float* c,
                       int ldc);
constexpr int kRowMajor = 101;
constexpr int kNoTrans = 111;
constexpr int kTrans = 112;

// Looked up once: LibTorch's BLAS (OpenBLAS on Debian) is already loaded in the process.
Sgemm processSgemm() {
  static const Sgemm sgemm = reinterpret_cast<Sgemm>(dlsym(RTLD_DEFAULT, "cblas_sgemm"));
  return sgemm;
}

// A [B, H, T, D] tensor's (batch, head) matrices as base pointer and strides; rows must be
// contiguous (unit stride along D), which every caller's layout gives without a copy.
struct HeadMatrices {
  float* data;
  int64_t batch_stride, head_stride, row_stride;
  float* at(int64_t b, int64_t h) const { return data + b * batch_stride + h * head_stride; }
};

HeadMatrices headMatrices(const torch::Tensor& t) {
  if (t.dim() != 4 || t.stride(3) != 1) {
    throw InvariantError("fused attention: expected [B, H, T, D] with unit stride along D");
  }
  // A single row's stride is arbitrary (a size-1 dimension's stride means nothing) but CBLAS
  // still checks it against the row length.
  const int64_t row_stride = t.size(2) == 1 ? t.size(3) : t.stride(2);
  return {t.data_ptr<float>(), t.stride(0), t.stride(1), row_stride};
}

// Rows of unit stride that do not overlap, as CBLAS needs (its leading dimension is at least
// the row length); every layout the attention gives already is one, so this copies nothing.
torch::Tensor withContiguousRows(const torch::Tensor& t) {
  const bool usable = t.stride(3) == 1 && (t.size(2) == 1 || t.stride(2) >= t.size(3));
  return usable ? t : t.contiguous();
}

// [B, H, T, D] storage laid out [B, T, H, D]: merging the heads afterwards is a free view,
// as it is for the projections' outputs the inputs come from.
torch::Tensor emptyHeadsLast(int64_t batch, int64_t heads, int64_t rows, int64_t cols,
                             const torch::TensorOptions& options) {
  return torch::empty({batch, rows, heads, cols}, options).permute({0, 2, 1, 3});
}

// body(b, h) for every (batch, head) pair, shared across LibTorch's intra-op threads; each
// pair writes its own matrices only.
void forEachHead(int64_t batch, int64_t heads, const std::function<void(int64_t, int64_t)>& body) {
  at::parallel_for(0, batch * heads, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) body(i / heads, i % heads);
  });
}

struct FusedAttention : torch::autograd::Function<FusedAttention> {
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx,
                                                const torch::Tensor& q_in,
                                                const torch::Tensor& k_in,
                                                const torch::Tensor& v_in,
                                                const torch::Tensor& bias_in) {
    const auto q = withContiguousRows(q_in), k = withContiguousRows(k_in),
               v = withContiguousRows(v_in);
    const int64_t batch = q.size(0), heads = q.size(1), queries = q.size(2), dim = q.size(3),
                  keys = k.size(2);
    auto probs = torch::empty({batch, heads, queries, keys}, q.options());
    auto out = emptyHeadsLast(batch, heads, queries, dim, q.options());
    const auto Q = headMatrices(q), K = headMatrices(k), V = headMatrices(v), O = headMatrices(out);
    const auto P = headMatrices(probs);
    const Sgemm sgemm = processSgemm();
    forEachHead(batch, heads, [&](int64_t b, int64_t h) {
      sgemm(kRowMajor, kNoTrans, kTrans, queries, keys, dim, 1.f, Q.at(b, h), Q.row_stride,
            K.at(b, h), K.row_stride, 0.f, P.at(b, h), keys);
    });
    // The elementwise middle on whole tensors: LibTorch's kernels are vectorised for the CPU
    // they run on, a scalar loop here was slower than the selects it saved.
    probs.add_(bias_in);
    auto max_logit = probs.amax({0, 2, 3});
    probs = torch::_softmax(probs, -1, false);
    const auto P_out = headMatrices(probs);
    forEachHead(batch, heads, [&](int64_t b, int64_t h) {
      sgemm(kRowMajor, kNoTrans, kNoTrans, queries, dim, keys, 1.f, P_out.at(b, h), keys,
            V.at(b, h), V.row_stride, 0.f, O.at(b, h), O.row_stride);
    });
    ctx->save_for_backward({q, k, v, probs});
    ctx->mark_non_differentiable({max_logit});
    return {out, max_logit};
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &q = saved[0], &k = saved[1], &v = saved[2], &probs = saved[3];
    const auto grad_out = withContiguousRows(grads[0]);
    const int64_t batch = q.size(0), heads = q.size(1), queries = q.size(2), dim = q.size(3),
                  keys = k.size(2);
    auto grad_q = emptyHeadsLast(batch, heads, queries, dim, q.options());
    auto grad_k = emptyHeadsLast(batch, heads, keys, dim, q.options());
    auto grad_v = emptyHeadsLast(batch, heads, keys, dim, q.options());
    const auto Q = headMatrices(q), K = headMatrices(k), V = headMatrices(v),
               P = headMatrices(probs);
    const auto G = headMatrices(grad_out), GQ = headMatrices(grad_q), GK = headMatrices(grad_k),
               GV = headMatrices(grad_v);
    auto grad_scores = torch::empty({batch, heads, queries, keys}, q.options());
    const auto DS = headMatrices(grad_scores);
    const Sgemm sgemm = processSgemm();
    // dV = P^T dO; dP = dO V^T
    forEachHead(batch, heads, [&](int64_t b, int64_t h) {
      sgemm(kRowMajor, kTrans, kNoTrans, keys, dim, queries, 1.f, P.at(b, h), keys, G.at(b, h),
            G.row_stride, 0.f, GV.at(b, h), GV.row_stride);
      sgemm(kRowMajor, kNoTrans, kTrans, queries, keys, dim, 1.f, G.at(b, h), G.row_stride,
            V.at(b, h), V.row_stride, 0.f, DS.at(b, h), keys);
    });
    grad_scores = torch::_softmax_backward_data(grad_scores, probs, -1, torch::kFloat32);
    const auto DL = headMatrices(grad_scores);
    // dQ = dS K; dK = dS^T Q
    forEachHead(batch, heads, [&](int64_t b, int64_t h) {
      sgemm(kRowMajor, kNoTrans, kNoTrans, queries, dim, keys, 1.f, DL.at(b, h), keys, K.at(b, h),
            K.row_stride, 0.f, GQ.at(b, h), GQ.row_stride);
      sgemm(kRowMajor, kTrans, kNoTrans, keys, dim, queries, 1.f, DL.at(b, h), keys, Q.at(b, h),
            Q.row_stride, 0.f, GK.at(b, h), GK.row_stride);
    });
    return {grad_q, grad_k, grad_v, torch::Tensor()};
  }
};

}  // namespace

bool fusedAttentionAvailable() { return processSgemm() != nullptr; }

AttentionCoreResult fusedAttentionCore(const torch::Tensor& q, const torch::Tensor& k,
                                       const torch::Tensor& v, const torch::Tensor& bias) {
  if (!fusedAttentionAvailable())
    throw InvariantError("fused attention: no cblas_sgemm in the process");
  for (const auto* t : {&q, &k, &v, &bias}) {
    if (!t->device().is_cpu() || t->scalar_type() != torch::kFloat32) {
      throw InvariantError("fused attention: takes float32 CPU tensors only");
    }
  }
  if (bias.requires_grad())
    throw InvariantError("fused attention: the bias is a mask, it takes no gradient");
  auto outputs = FusedAttention::apply(q, k, v, bias);
  return {outputs[0], outputs[1]};
}

AttentionCoreResult referenceAttentionCore(const torch::Tensor& q, const torch::Tensor& k,
                                           const torch::Tensor& v, const torch::Tensor& bias,
                                           double probs_dropout, bool training) {
  auto scores = torch::matmul(q, k.transpose(-2, -1)) + bias;
  // Masked entries are -inf, so the max is over logits the softmax really used.
  auto max_logit = scores.detach().amax({0, 2, 3});
  auto probs = torch::dropout(torch::softmax(scores, -1), probs_dropout, training);
  return {torch::matmul(probs, v), max_logit};
}

AttentionCoreResult attentionCore(const torch::Tensor& q, const torch::Tensor& k,
                                  const torch::Tensor& v, const torch::Tensor& bias,
                                  double probs_dropout, bool training) {
  const bool fused = fusedAttentionAvailable() && q.device().is_cpu() &&
                     q.scalar_type() == torch::kFloat32 && k.scalar_type() == torch::kFloat32 &&
                     v.scalar_type() == torch::kFloat32 && bias.scalar_type() == torch::kFloat32 &&
                     !bias.requires_grad() && q.numel() > 0 && k.numel() > 0 &&
                     (probs_dropout == 0.0 || !training);
  return fused ? fusedAttentionCore(q, k, v, bias)
               : referenceAttentionCore(q, k, v, bias, probs_dropout, training);
}

}  // namespace cog::model
