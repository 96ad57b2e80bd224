#pragma once
#include <torch/types.h>

namespace cog::model {

// The heart of one attention call: probs = softmax(q k^T + bias) over the keys, out = probs v,
// for every (batch, head); and the largest logit each head saw (what QK-clip reads).
// q: [B, H, Tq, hd], k and v: [B, H, Tk, hd] (q already scaled by 1/sqrt(hd)); bias
// broadcastable to [B, H, Tq, Tk] (-inf where a key is masked); every query must see at
// least one key. Returns out [B, H, Tq, hd] and max_logit [H] (detached: it is a statistic,
// not a term of the loss).
struct AttentionCoreResult {
  torch::Tensor out;
  torch::Tensor max_logit;
};

// Picks the fused CPU kernel below when it applies (CPU, float32, the CBLAS sgemm found in
// the process, no dropout on the probabilities) and the LibTorch expression otherwise (GPU,
// bf16, dropout). Both compute the same function; tests hold them to 1e-5 of each other.
AttentionCoreResult attentionCore(const torch::Tensor& q, const torch::Tensor& k,
                                  const torch::Tensor& v, const torch::Tensor& bias,
                                  double probs_dropout, bool training);

// The LibTorch expression: matmul, add, softmax, dropout, matmul. On the CPU LibTorch 1.13
// (built without MKL, as Debian's is) runs each [B, H] batched matmul as B x H separate
// matmuls, each behind three tensor selects, a resolve_conj and a dispatch (20,000 selects a
// tiny-demo step: B 32, H 4, T 96, hd 24), and copies the transposed operands.
AttentionCoreResult referenceAttentionCore(const torch::Tensor& q, const torch::Tensor& k,
                                           const torch::Tensor& v, const torch::Tensor& bias,
                                           double probs_dropout, bool training);

// The fused kernel, forward and backward: one CBLAS sgemm per product and (batch, head)
// straight on the tensors' strides (no selects, no transposed copies; the output is laid out
// [B, Tq, H, hd] so the caller's merge of the heads is a view), with the (batch, head) pairs
// shared across LibTorch's intra-op threads; the bias, logit maximum, softmax and its
// backward stay LibTorch's vectorised whole-tensor kernels (a scalar loop over the rows here
// was slower than the selects it saved). bench/attention_core.cpp: 1.2-1.6x the expression
// per call. Throws when it does not apply (fusedAttentionAvailable() and the conditions
// above); attentionCore is the caller's entry point.
AttentionCoreResult fusedAttentionCore(const torch::Tensor& q, const torch::Tensor& k,
                                       const torch::Tensor& v, const torch::Tensor& bias);

// Whether the process has a CBLAS sgemm to call (LibTorch's own BLAS, found at run time so
// that builds against a LibTorch without one still link).
bool fusedAttentionAvailable();

}  // namespace cog::model
