#include "worker/data/held_out_split.hpp"

#include "worker/data/stable_hash.hpp"

namespace cog::data {
namespace {

// Arbitrary distinct salts: they only need to make the two hashes independent.
constexpr uint64_t kSplitSalt = 0x5350'4C49'5400'0001ULL;  // "SPLIT"
constexpr uint64_t kCapSalt = 0x4341'5000'0000'0002ULL;    // "CAP"

}  // namespace

bool isHeldOut(std::string_view text, uint64_t seed, double fraction) {
  return unitInterval(hashCombine(fnv1a64(text), seed ^ kSplitSalt)) < fraction;
}

uint64_t capKey(std::string_view text, uint64_t seed) {
  return hashCombine(fnv1a64(text), seed ^ kCapSalt);
}

}  // namespace cog::data
