// The fused CPU attention kernel against the LibTorch expression it replaces: outputs,
// gradients and per-head logit maxima, for the masks and layouts the model gives it.
#include "model/attention_core.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "common/error.hpp"
#include "model/attention.hpp"
#include "model/documents.hpp"

namespace cog::model {
namespace {

struct Grads {
  torch::Tensor out, max_logit, dq, dk, dv;
};

// q, k, v leaves in the module's layout: [B, T, H, hd] storage seen as [B, H, T, hd].
std::vector<torch::Tensor> headsOf(int64_t batch, int64_t heads, int64_t seq, int64_t dim,
                                   uint64_t seed) {
  torch::manual_seed(seed);
  std::vector<torch::Tensor> out;
  for (int i = 0; i < 3; ++i) out.push_back(torch::randn({batch, seq, heads, dim}).transpose(1, 2));
  return out;
}

Grads run(bool fused, const std::vector<torch::Tensor>& qkv, const torch::Tensor& bias,
          const torch::Tensor& grad_out) {
  std::vector<torch::Tensor> leaves;
  for (const auto& t : qkv) leaves.push_back(t.detach().clone().requires_grad_(true));
  const auto core = fused
                        ? fusedAttentionCore(leaves[0], leaves[1], leaves[2], bias)
                        : referenceAttentionCore(leaves[0], leaves[1], leaves[2], bias, 0.0, true);
  core.out.backward(grad_out);
  return {core.out.detach(), core.max_logit, leaves[0].grad(), leaves[1].grad(), leaves[2].grad()};
}

void expectSame(const Grads& fused, const Grads& reference) {
  const std::vector<std::pair<const char*, std::pair<torch::Tensor, torch::Tensor>>> pairs = {
      {"out", {fused.out, reference.out}},
      {"max_logit", {fused.max_logit, reference.max_logit}},
      {"dq", {fused.dq, reference.dq}},
      {"dk", {fused.dk, reference.dk}},
      {"dv", {fused.dv, reference.dv}}};
  for (const auto& [name, tensors] : pairs) {
    ASSERT_EQ(tensors.first.sizes(), tensors.second.sizes()) << name;
    EXPECT_LE((tensors.first - tensors.second).abs().max().item<double>(), 1e-5) << name;
  }
}

TEST(FusedAttention, MatchesLibTorchUnderASlidingCausalMask) {
  ASSERT_TRUE(fusedAttentionAvailable())
      << "no cblas_sgemm in the test process: LibTorch's BLAS not loaded?";
  const auto qkv = headsOf(3, 2, 10, 8, 1);
  const auto bias = attentionBias(10, 4, {}, torch::TensorOptions().dtype(torch::kFloat32));
  const auto grad_out = torch::randn({3, 2, 10, 8});
  const auto fused = run(true, qkv, bias, grad_out);
  expectSame(fused, run(false, qkv, bias, grad_out));
  // The output is laid out heads-last, so the module's merge of the heads is a view.
  EXPECT_TRUE(fused.out.transpose(1, 2).is_contiguous());
}

TEST(FusedAttention, MatchesLibTorchWithPackedDocumentsAndRotaryPositions) {
  // Two rows of packed documents of different lengths, as data.packing: documents gives.
  const auto segments =
      torch::tensor({0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1},
                    torch::kLong)
          .reshape({2, 12});
  const auto options = torch::TensorOptions().dtype(torch::kFloat32);
  const auto bias = attentionBias(12, 12, sameDocumentMask(segments), options);
  const auto rotary = rotaryTables(positionsInDocument(segments), 6, 10000.0, torch::kFloat32);
  auto qkv = headsOf(2, 3, 12, 6, 2);
  qkv[0] = applyRotary(qkv[0], rotary);  // rotated q and k: other strides than the views
  qkv[1] = applyRotary(qkv[1], rotary);
  const auto grad_out = torch::randn({2, 3, 12, 6});
  expectSame(run(true, qkv, bias, grad_out), run(false, qkv, bias, grad_out));
}

// A one-token sequence (a generation's first step): the row stride CBLAS is given must still
// be at least a row, whatever stride LibTorch keeps for the size-1 dimension.
TEST(FusedAttention, MatchesLibTorchOnOneToken) {
  const auto qkv = headsOf(2, 3, 1, 8, 5);
  const auto bias = attentionBias(1, 4, {}, torch::TensorOptions().dtype(torch::kFloat32));
  const auto grad_out = torch::randn({2, 3, 1, 8});
  expectSame(run(true, qkv, bias, grad_out), run(false, qkv, bias, grad_out));
}

// Each (batch, head) pair is one thread's work from start to end, so the thread count
// changes nothing, to the bit.
TEST(FusedAttention, TwoThreadsGiveTheOneThreadResultExactly) {
  const auto qkv = headsOf(4, 3, 16, 8, 3);
  const auto bias = attentionBias(16, 16, {}, torch::TensorOptions().dtype(torch::kFloat32));
  const auto grad_out = torch::randn({4, 3, 16, 8});
  const int before = at::get_num_threads();
  at::set_num_threads(1);
  const auto one = run(true, qkv, bias, grad_out);
  at::set_num_threads(2);
  const auto two = run(true, qkv, bias, grad_out);
  at::set_num_threads(before);
  for (const auto& [a, b] :
       {std::pair{one.out, two.out}, {one.dq, two.dq}, {one.dk, two.dk}, {one.dv, two.dv}}) {
    EXPECT_TRUE(torch::equal(a, b));
  }
}

// attentionCore takes the LibTorch expression where the kernel does not apply: dropout on
// the probabilities in training, other dtypes.
TEST(FusedAttention, OtherCasesFallBackToLibTorch) {
  const auto qkv = headsOf(2, 2, 8, 4, 4);
  const auto bias = attentionBias(8, 8, {}, torch::TensorOptions().dtype(torch::kFloat32));
  const auto plain = attentionCore(qkv[0], qkv[1], qkv[2], bias, 0.0, true).out;
  torch::manual_seed(9);
  const auto dropped = attentionCore(qkv[0], qkv[1], qkv[2], bias, 0.5, true).out;
  EXPECT_GT((dropped - plain).abs().max().item<double>(), 1e-3);
  // Dropout is off in evaluation: the fused kernel again.
  EXPECT_LE((attentionCore(qkv[0], qkv[1], qkv[2], bias, 0.5, false).out - plain)
                .abs()
                .max()
                .item<double>(),
            1e-6);
  const auto doubles =
      attentionCore(qkv[0].to(torch::kFloat64), qkv[1].to(torch::kFloat64),
                    qkv[2].to(torch::kFloat64), bias.to(torch::kFloat64), 0.0, true);
  EXPECT_EQ(doubles.out.scalar_type(), torch::kFloat64);
  EXPECT_LE((doubles.out.to(torch::kFloat32) - plain).abs().max().item<double>(), 1e-5);
  EXPECT_THROW(fusedAttentionCore(qkv[0].to(torch::kFloat64), qkv[1], qkv[2], bias),
               InvariantError);
}

}  // namespace
}  // namespace cog::model
