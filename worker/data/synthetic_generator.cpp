#include "worker/data/synthetic_generator.hpp"

#include <array>
#include <string>

#include "common/error.hpp"
#include "worker/data/deterministic_rng.hpp"
#include "worker/data/stable_hash.hpp"

namespace cog::data {
namespace {

constexpr std::array<const char*, 8> kItems = {"apples",  "pencils", "stickers", "marbles",
                                               "cookies", "books",   "oranges",  "cards"};
constexpr std::array<const char*, 8> kNames = {"Sam", "Maria", "Ali", "Lena",
                                               "Tom", "Priya", "Ken", "Zoe"};

template <size_t N>
std::string pick(const std::array<const char*, N>& words, DeterministicRng& rng) {
  return words[rng.below(N)];
}

struct Qa {
  std::string question;
  int64_t answer;
};

// "What is a + b?" or "What is a - b?" with both operands in [lo, hi]; subtraction puts
// the larger operand first so the answer is never negative.
Qa addOrSubtract(int64_t lo, int64_t hi, DeterministicRng& rng) {
  int64_t a = rng.between(lo, hi);
  int64_t b = rng.between(lo, hi);
  if (rng.below(2) == 0) {
    return {"What is " + std::to_string(a) + " + " + std::to_string(b) + "?", a + b};
  }
  if (a < b) std::swap(a, b);
  return {"What is " + std::to_string(a) + " - " + std::to_string(b) + "?", a - b};
}

Qa wordProblem(DeterministicRng& rng) {
  const std::string items = pick(kItems, rng);
  const std::string name = pick(kNames, rng);
  switch (rng.below(5)) {
    case 0: {  // the original project's phrasing
      const int64_t a = rng.between(10, 60);
      const int64_t b = rng.between(1, a - 1);
      return {"If a store has " + std::to_string(a) + " " + items + " and sells " +
                  std::to_string(b) + ", how many are left?",
              a - b};
    }
    case 1: {
      const int64_t a = rng.between(2, 50);
      const int64_t b = rng.between(2, 50);
      return {name + " has " + std::to_string(a) + " " + items + " and gets " + std::to_string(b) +
                  " more. How many " + items + " does " + name + " have now?",
              a + b};
    }
    case 2: {
      const int64_t a = rng.between(10, 60);
      const int64_t b = rng.between(1, a - 1);
      return {name + " had " + std::to_string(a) + " " + items + " and gave " + std::to_string(b) +
                  " to a friend. How many " + items + " does " + name + " have left?",
              a - b};
    }
    case 3: {
      const int64_t a = rng.between(2, 9);
      const int64_t b = rng.between(2, 12);
      return {name + " buys " + std::to_string(a) + " packs of " + std::to_string(b) + " " + items +
                  ". How many " + items + " does " + name + " have?",
              a * b};
    }
    default: {  // the total is built from the answer so the division is exact
      const int64_t friends = rng.between(2, 9);
      const int64_t each = rng.between(2, 12);
      return {std::to_string(friends * each) + " " + items + " are shared equally among " +
                  std::to_string(friends) + " friends. How many " + items +
                  " does each friend get?",
              each};
    }
  }
}

Qa hardArithmetic(DeterministicRng& rng) {
  if (rng.below(2) == 0) {
    const int64_t a = rng.between(11, 99);
    const int64_t b = rng.between(11, 99);
    return {"What is " + std::to_string(a) + " * " + std::to_string(b) + "?", a * b};
  }
  return addOrSubtract(100, 999, rng);
}

}  // namespace

QaRecord syntheticRecord(int difficulty, uint64_t seed) {
  DeterministicRng rng(seed);
  Qa qa;
  switch (difficulty) {
    case 1:
      qa = addOrSubtract(0, 9, rng);
      break;
    case 2:
      qa = addOrSubtract(10, 99, rng);
      break;
    case 3:
      qa = wordProblem(rng);
      break;
    case 4:
      qa = hardArithmetic(rng);
      break;
    default:
      throw InvariantError("syntheticRecord: difficulty " + std::to_string(difficulty) +
                           " outside 1..4");
  }
  QaRecord r;
  r.source = "synthetic";
  r.question = std::move(qa.question);
  r.answer = std::to_string(qa.answer);
  r.final_answer = r.answer;
  r.difficulty = difficulty;
  return r;
}

std::vector<QaRecord> generateSynthetic(int64_t count, int max_difficulty, uint64_t seed,
                                        int min_difficulty) {
  if (count < 0) throw InvariantError("generateSynthetic: negative count");
  if (min_difficulty < 1 || max_difficulty > 4 || min_difficulty > max_difficulty) {
    throw InvariantError("generateSynthetic: difficulty range " + std::to_string(min_difficulty) + ".." +
                         std::to_string(max_difficulty) + " outside 1..4");
  }
  const int levels = max_difficulty - min_difficulty + 1;
  std::vector<QaRecord> records;
  records.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    const int level = static_cast<int>(i % levels) + min_difficulty;
    records.push_back(syntheticRecord(level, hashCombine(seed, static_cast<uint64_t>(i))));
  }
  return records;
}

}  // namespace cog::data
