#include "worker/data/epoch_mixer.hpp"

#include <cmath>

#include "worker/data/deterministic_rng.hpp"
#include "worker/data/stable_hash.hpp"

namespace cog::data {
namespace {

// Distinct streams for each source's partial draw and for the final shuffle, so one
// source's subsample does not depend on how many records the sources before it have.
constexpr uint64_t kPartialSalt = 0x5041'5254'0000'0003ULL;  // "PART"
constexpr uint64_t kShuffleSalt = 0x5348'5546'0000'0004ULL;  // "SHUF"

}  // namespace

int64_t drawCount(int64_t n, double weight) {
  return static_cast<int64_t>(std::llround(weight * static_cast<double>(n)));
}

std::vector<int64_t> mixEpoch(const std::vector<SourceDraw>& sources, uint64_t seed,
                              int64_t epoch) {
  const uint64_t epochSeed = hashCombine(seed, static_cast<uint64_t>(epoch));
  std::vector<int64_t> order;
  for (size_t s = 0; s < sources.size(); ++s) {
    const std::vector<int64_t>& eligible = sources[s].eligible;
    const int64_t n = static_cast<int64_t>(eligible.size());
    if (n == 0) continue;
    const int64_t draws = drawCount(n, sources[s].weight);
    for (int64_t r = 0; r < draws / n; ++r)
      order.insert(order.end(), eligible.begin(), eligible.end());
    const int64_t partial = draws % n;
    if (partial > 0) {
      std::vector<int64_t> pool = eligible;
      DeterministicRng rng(hashCombine(epochSeed ^ kPartialSalt, s));
      rng.shuffle(pool);
      order.insert(order.end(), pool.begin(), pool.begin() + partial);
    }
  }
  DeterministicRng rng(epochSeed ^ kShuffleSalt);
  rng.shuffle(order);
  return order;
}

}  // namespace cog::data
