#pragma once
// Deterministic, rank-dependent inputs and wrong-element counting, in the manner of
// nccl-tests: every input is a small integer, so sums are exact in every dtype tested
// (bfloat16 included) and a result is either right or counted wrong — no tolerances.
#include <torch/torch.h>

#include <cstdlib>

#include "comms/bootstrap.hpp"

namespace cog::comms::test {

// Values in [-15, 15], different per rank and per element.
inline torch::Tensor rankInput(int64_t numel, int rank, torch::Dtype dtype) {
  auto i = torch::arange(numel, torch::kLong);
  return ((i * 7 + rank * 13) % 31 - 15).to(dtype);
}

// The sum over ranks 0..size-1 of rankInput, computed exactly in int64.
inline torch::Tensor expectedSum(int64_t numel, int size, torch::Dtype dtype) {
  auto sum = torch::zeros({numel}, torch::kLong);
  for (int r = 0; r < size; ++r) sum += rankInput(numel, r, torch::kLong);
  return sum.to(dtype);
}

// The element-wise maximum over ranks 0..size-1 of rankInput.
inline torch::Tensor expectedMax(int64_t numel, int size, torch::Dtype dtype) {
  auto max = rankInput(numel, 0, torch::kLong);
  for (int r = 1; r < size; ++r) max = torch::maximum(max, rankInput(numel, r, torch::kLong));
  return max.to(dtype);
}

// The average as the backends define it: the sum in `dtype`, divided by size in `dtype`.
inline torch::Tensor expectedAvg(int64_t numel, int size, torch::Dtype dtype) {
  return expectedSum(numel, size, dtype).div(size);
}

inline int64_t wrongElements(const torch::Tensor& got, const torch::Tensor& expected) {
  return got.cpu().ne(expected.cpu()).sum().item<int64_t>();
}

// Test binaries are entry points, so reading the launcher's environment here is allowed.
inline RankInfo worldRankInfo() { return rankInfoFromEnvironment(&std::getenv); }

}  // namespace cog::comms::test
