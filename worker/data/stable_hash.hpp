#pragma once
// Hashes whose values are fixed by their definition, not by the standard library: the
// held-out split and cap selection must give the same answer on every machine and build,
// so a resumed or relaunched run sees the same validation set (std::hash promises neither).
#include <cstdint>
#include <string_view>

namespace cog::data {

// FNV-1a 64-bit (offset basis and prime from the FNV reference).
inline uint64_t fnv1a64(std::string_view bytes) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// SplitMix64's finaliser: spreads FNV's weak low bits over all 64 so that taking the top
// 53 bits as a fraction is close to uniform.
inline uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

inline uint64_t hashCombine(uint64_t a, uint64_t b) { return mix64(a ^ mix64(b)); }

// A hash mapped to [0, 1) using its top 53 bits (exactly representable in a double).
inline double unitInterval(uint64_t h) { return static_cast<double>(h >> 11) * 0x1.0p-53; }

}  // namespace cog::data
