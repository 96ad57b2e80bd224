#pragma once
// The random streams of a data-parallel job. Dropout draws from the default generators (the
// CPU's, and the GPU's on CUDA). Each rank must draw its own masks: ranks that draw the same
// masks apply one mask pattern to the whole global batch, which is not dropout at the batch
// the job claims. And an exact resume needs every rank's stream back, not rank 0's: the
// checkpoint (written by rank 0) keeps one row per rank.
#include <torch/types.h>

#include <cstdint>

namespace cog::worker {

// Generator states, one row per rank in rank order (uint8, as the generators export them).
struct RankRngStates {
  torch::Tensor cpu;   // [ranks, n]
  torch::Tensor cuda;  // [ranks, m]; undefined unless the job trains on a GPU

  int64_t ranks() const { return cpu.defined() ? cpu.size(0) : 0; }
};

// The seed of rank `rank`'s dropout stream, drawn fresh at `global_step` (0 at the start of
// a run). Rank 0 at step 0 keeps `seed` itself, so a one-process run draws what it always
// did; every other (rank, step) gets a well-mixed seed of its own (splitmix64).
uint64_t dropoutSeed(uint64_t seed, int64_t rank, int64_t global_step);

// Seeds this process's default generators (CPU and CUDA) with dropoutSeed().
void seedDropoutStreams(uint64_t seed, int64_t rank, int64_t global_step);

// This process's generator states as one row; the CUDA row only when `device` is CUDA.
RankRngStates captureRngStates(const torch::Device& device);

// Sets this process's generators to row `row` of `states`; the CUDA row only when `device`
// is CUDA and the states have one (a GPU run resumed on a CPU keeps its CPU stream only).
void restoreRngStates(const RankRngStates& states, int64_t row, const torch::Device& device);

}  // namespace cog::worker
