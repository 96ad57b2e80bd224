#pragma once
// A small seeded generator with a fixed algorithm (SplitMix64). std::mt19937_64 is fixed
// too, but std::uniform_int_distribution and std::shuffle are not: libstdc++ and libc++
// give different sequences, and an epoch's order must be rebuildable anywhere for resume.
#include <cstdint>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "worker/data/stable_hash.hpp"

namespace cog::data {

class DeterministicRng {
 public:
  explicit DeterministicRng(uint64_t seed) : state_(seed) {}

  // SplitMix64: mix64 adds the golden-ratio increment itself, so stepping the state by
  // that increment walks the reference sequence.
  uint64_t next() {
    const uint64_t out = mix64(state_);
    state_ += 0x9E3779B97F4A7C15ULL;
    return out;
  }

  // Uniform in [0, n). Rejection sampling removes the modulo bias.
  uint64_t below(uint64_t n) {
    if (n == 0) throw InvariantError("DeterministicRng::below(0)");
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x = next();
    while (x >= limit) x = next();
    return x % n;
  }

  // Uniform in [lo, hi], both inclusive.
  int64_t between(int64_t lo, int64_t hi) {
    if (hi < lo) throw InvariantError("DeterministicRng::between: empty range");
    return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo) + 1));
  }

  // Fisher-Yates, so the permutation depends only on the seed.
  template <typename T>
  void shuffle(std::vector<T>& items) {
    for (size_t i = items.size(); i > 1; --i) {
      const size_t j = static_cast<size_t>(below(i));
      std::swap(items[i - 1], items[j]);
    }
  }

 private:
  uint64_t state_;
};

}  // namespace cog::data
