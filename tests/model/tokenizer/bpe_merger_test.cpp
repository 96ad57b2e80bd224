#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <map>
#include <random>
#include <utility>

#include "model/tokenizer/bpe.hpp"

namespace cog {
namespace {

using Merges = std::map<std::pair<int32_t, int32_t>, std::pair<int32_t, int32_t>>;  // -> rank, id

// GPT-2's encoder.py bpe() loop, transcribed literally onto ids: the heap version must
// give the same answer for any merge table, not only well-behaved ones.
std::vector<int32_t> referenceBpe(std::vector<int32_t> word, const Merges& merges) {
  while (word.size() > 1) {
    int32_t bestRank = INT_MAX;
    std::pair<int32_t, int32_t> best;
    for (size_t i = 0; i + 1 < word.size(); ++i) {
      const auto it = merges.find({word[i], word[i + 1]});
      if (it != merges.end() && it->second.first < bestRank) {
        bestRank = it->second.first;
        best = it->first;
      }
    }
    if (bestRank == INT_MAX) break;
    std::vector<int32_t> merged;
    for (size_t i = 0; i < word.size();) {
      if (i + 1 < word.size() && word[i] == best.first && word[i + 1] == best.second) {
        merged.push_back(merges.at(best).second);
        i += 2;
      } else {
        merged.push_back(word[i++]);
      }
    }
    word = merged;
  }
  return word;
}

void checkAgainstReference(bool shuffledRanks, uint32_t seed) {
  std::mt19937 rng(seed);
  constexpr int32_t kAlphabet = 3;  // few symbols: many repeats and overlapping pairs
  Merges merges;
  BpeMerger merger;
  int32_t nextId = kAlphabet;
  std::vector<int32_t> ranks(40);
  for (size_t i = 0; i < ranks.size(); ++i) ranks[i] = static_cast<int32_t>(i);
  if (shuffledRanks) std::shuffle(ranks.begin(), ranks.end(), rng);
  for (int32_t rank : ranks) {
    std::uniform_int_distribution<int32_t> pick(0, nextId - 1);
    const int32_t left = pick(rng), right = pick(rng), id = nextId++;
    merges[{left, right}] = {rank, id};  // a repeated pair keeps the later entry, like dict()
    merger.addMerge(left, right, id, rank);
  }
  std::uniform_int_distribution<int32_t> symbol(0, kAlphabet - 1), length(0, 40);
  for (int word = 0; word < 300; ++word) {
    std::vector<int32_t> symbols(static_cast<size_t>(length(rng)));
    for (int32_t& s : symbols) s = symbol(rng);
    const std::vector<int32_t> expected = referenceBpe(symbols, merges);
    merger.apply(symbols);
    ASSERT_EQ(symbols, expected) << "seed " << seed << " word " << word;
  }
}

TEST(TokenizerBpeMergerTest, MatchesReferenceLoopForTrainingOrderedMerges) {
  for (uint32_t seed = 1; seed <= 20; ++seed) checkAgainstReference(false, seed);
}

TEST(TokenizerBpeMergerTest, MatchesReferenceLoopForArbitraryRanks) {
  for (uint32_t seed = 1; seed <= 20; ++seed) checkAgainstReference(true, seed);
}

TEST(TokenizerBpeMergerTest, MergesOverlappingPairsLeftToRight) {
  BpeMerger merger;
  merger.addMerge(0, 0, 1, 0);  // "a a" -> "aa"
  std::vector<int32_t> word{0, 0, 0};
  merger.apply(word);
  EXPECT_EQ(word, (std::vector<int32_t>{1, 0}));  // "aa a", not "a aa"
}

}  // namespace
}  // namespace cog
