#include "worker/rank_rng.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "common/error.hpp"

namespace cog::worker {
namespace {

// splitmix64's finaliser (Steele, Lea, Flood 2014): nearby inputs give unrelated outputs.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

at::Generator cudaGenerator(const torch::Device& device) {
  return at::globalContext().defaultGenerator(device);  // a shared handle
}

}  // namespace

uint64_t dropoutSeed(uint64_t seed, int64_t rank, int64_t global_step) {
  if (rank == 0 && global_step == 0) return seed;
  return mix(seed ^ mix(static_cast<uint64_t>(rank) ^ mix(static_cast<uint64_t>(global_step))));
}

void seedDropoutStreams(uint64_t seed, int64_t rank, int64_t global_step) {
  torch::manual_seed(dropoutSeed(seed, rank, global_step));
}

RankRngStates captureRngStates(const torch::Device& device) {
  RankRngStates states;
  states.cpu = at::detail::getDefaultCPUGenerator().get_state().unsqueeze(0);
  if (device.is_cuda()) states.cuda = cudaGenerator(device).get_state().unsqueeze(0);
  return states;
}

void restoreRngStates(const RankRngStates& states, int64_t row, const torch::Device& device) {
  if (row < 0 || row >= states.ranks()) {
    throw InvariantError("restoreRngStates: row " + std::to_string(row) + " of " + std::to_string(states.ranks()) +
                         " saved ranks");
  }
  auto generator = at::detail::getDefaultCPUGenerator();
  generator.set_state(states.cpu[row].contiguous());
  if (device.is_cuda() && states.cuda.defined() && row < states.cuda.size(0)) {
    cudaGenerator(device).set_state(states.cuda[row].contiguous());
  }
}

}  // namespace cog::worker
