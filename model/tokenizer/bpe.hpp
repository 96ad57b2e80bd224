#pragma once
// Byte-pair merging by rank, on token ids rather than strings: each merge line "A B" of
// merges.txt becomes (id(A), id(B)) -> id(AB). Working on ids avoids building strings per
// step; it is equivalent because vocab.json maps strings to ids one-to-one.
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace cog {

class BpeMerger {
 public:
  // Lower rank merges first. A pair listed twice keeps the later rank, as GPT-2's
  // `dict(zip(merges, range(len(merges))))` does.
  void addMerge(int32_t left, int32_t right, int32_t merged, int32_t rank);

  size_t size() const { return merges_.size(); }

  // Merges `symbols` in place until no adjacent pair has a rank. Same result as GPT-2's
  // reference loop (take the lowest-ranked pair, merge all its occurrences left to right,
  // repeat) but O(n log n) with a heap, so a megabyte-long word cannot stall encoding.
  void apply(std::vector<int32_t>& symbols) const;

 private:
  struct Merge {
    int32_t rank;
    int32_t merged;
  };

  static uint64_t pairKey(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
           static_cast<uint32_t>(right);
  }

  std::unordered_map<uint64_t, Merge> merges_;
};

}  // namespace cog
