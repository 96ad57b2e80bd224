// The LTM memory's decay-matrix cache: what it returns is what a fresh build gives, each
// (length, dtype) has its own entry, and nothing of it reaches the module's state.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/ltm_memory.hpp"

namespace cog::model {
namespace {

TEST(ModelLtmMemory, DecayCacheReturnsAFreshBuildAndKeepsOneEntryPerLengthAndDtype) {
  EmaDecayCache cache(0.9);
  const auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  const torch::Tensor first = cache.get(16, f32);
  EXPECT_TRUE(torch::equal(first, emaDecayMatrix(16, 0.9, f32)));
  EXPECT_EQ(cache.get(16, f32).data_ptr(), first.data_ptr()) << "a second ask must not rebuild";
  EXPECT_EQ(cache.size(), 1u);

  const torch::Tensor longer = cache.get(24, f32);
  EXPECT_EQ(longer.sizes(), (std::vector<int64_t>{24, 24}));
  EXPECT_TRUE(torch::equal(longer, emaDecayMatrix(24, 0.9, f32)));
  const torch::Tensor wider = cache.get(16, f64);
  EXPECT_EQ(wider.scalar_type(), torch::kFloat64);
  EXPECT_TRUE(torch::equal(wider, emaDecayMatrix(16, 0.9, f64)));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_TRUE(torch::equal(cache.get(16, f32), first)) << "other entries must not disturb the first";
}

TEST(ModelLtmMemory, DecayCacheStaysBounded) {
  EmaDecayCache cache(0.99);
  for (int64_t t = 1; t <= static_cast<int64_t>(EmaDecayCache::kMaxEntries) + 5; ++t) {
    EXPECT_TRUE(torch::equal(cache.get(t, torch::kFloat32), emaDecayMatrix(t, 0.99, torch::kFloat32))) << t;
    EXPECT_LE(cache.size(), EmaDecayCache::kMaxEntries);
  }
}

TEST(ModelLtmMemory, ForwardWithTheCacheMatchesAFreshScanAndStateIsUnchanged) {
  torch::manual_seed(5);
  LtmMemory memory(8, 4, 0.95);
  const torch::Tensor y = torch::randn({2, 10, 8});
  const torch::Tensor expected =
      memory->w_up(torch::matmul(emaDecayMatrix(10, 0.95, torch::kFloat32), memory->w_down(y)));
  for (int call = 0; call < 2; ++call) {  // a miss, then a hit
    EXPECT_TRUE(torch::allclose(memory->forward(y), expected, 1e-6, 1e-6)) << "call " << call;
  }
  EXPECT_EQ(memory->decayCache().size(), 1u);
  // Backward through a cached matrix works on the second forward as on the first.
  memory->forward(y).sum().backward();
  EXPECT_TRUE(memory->w_down->weight.grad().defined());
  // Only the two projections are state: the cache is no parameter and no buffer.
  EXPECT_EQ(memory->named_parameters().size(), 2u);
  EXPECT_EQ(memory->named_buffers().size(), 0u);
}

}  // namespace
}  // namespace cog::model
