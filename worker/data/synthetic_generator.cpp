#include "worker/data/synthetic_generator.hpp"

#include <array>
#include <string>
#include <utility>

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
  std::string answer;
  std::string family;
  std::string operand_class;  // empty unless both operands are in 0..99 and the op is + or -
};

Qa numeric(std::string question, int64_t answer, std::string family, std::string operand_class = "") {
  return {std::move(question), std::to_string(answer), std::move(family), std::move(operand_class)};
}

std::string operandClass(int64_t a, int64_t b) {
  const bool a_small = a < 10, b_small = b < 10;
  if (a_small && b_small) return "one_digit";
  if (!a_small && !b_small) return "two_digit";
  return "mixed";
}

// "What is a + b?" or "What is a - b?" with both operands in [lo, hi]; subtraction puts
// the larger operand first so the answer is never negative.
Qa addOrSubtract(int64_t lo, int64_t hi, DeterministicRng& rng) {
  int64_t a = rng.between(lo, hi);
  int64_t b = rng.between(lo, hi);
  if (rng.below(2) == 0) {
    return numeric("What is " + std::to_string(a) + " + " + std::to_string(b) + "?", a + b, "hard");
  }
  if (a < b) std::swap(a, b);
  return numeric("What is " + std::to_string(a) + " - " + std::to_string(b) + "?", a - b, "hard");
}

// Two operands of the class: one_digit both in 0..9, two_digit both in 10..99, mixed one of
// each (in either order).
std::pair<int64_t, int64_t> operandsOf(const std::string& operand_class, DeterministicRng& rng) {
  if (operand_class == "one_digit") return {rng.between(0, 9), rng.between(0, 9)};
  if (operand_class == "two_digit") return {rng.between(10, 99), rng.between(10, 99)};
  const int64_t small = rng.between(0, 9), large = rng.between(10, 99);
  return rng.below(2) == 0 ? std::make_pair(small, large) : std::make_pair(large, small);
}

// The question forms a user types for a + b or a - b; the first is the original project's.
std::string arithmeticQuestion(int64_t a, char op, int64_t b, DeterministicRng& rng) {
  const std::string x = std::to_string(a), y = std::to_string(b);
  switch (rng.below(4)) {
    case 0: return "What is " + x + " " + op + " " + y + "?";
    case 1: return x + " " + op + " " + y + " = ?";
    case 2: return "What is " + x + (op == '+' ? " plus " : " minus ") + y + "?";
    default: return "Calculate " + x + " " + op + " " + y + ".";
  }
}

// A sum or difference of two operands of the class (a difference puts the larger first).
Qa classArithmetic(const std::string& operand_class, DeterministicRng& rng) {
  auto [a, b] = operandsOf(operand_class, rng);
  if (rng.below(2) == 0) return numeric(arithmeticQuestion(a, '+', b, rng), a + b, "arithmetic", operand_class);
  if (a < b) std::swap(a, b);
  return numeric(arithmeticQuestion(a, '-', b, rng), a - b, "arithmetic", operand_class);
}

// The original project's store phrasing, on operands of the class; the store never sells
// more than it has.
Qa storeProblem(const std::string& operand_class, DeterministicRng& rng) {
  auto [a, b] = operandsOf(operand_class, rng);
  if (a < b) std::swap(a, b);
  return numeric("If a store has " + std::to_string(a) + " " + pick(kItems, rng) + " and sells " +
                     std::to_string(b) + ", how many are left?",
                 a - b, "store", operand_class);
}

// An invented proper name: 2-3 syllables (consonant-vowel, sometimes closed by a consonant),
// capitalised, e.g. "Paris"-like "Talmek".
std::string inventedName(DeterministicRng& rng) {
  static constexpr const char* kConsonants = "bcdfghjklmnprstvz";
  static constexpr const char* kVowels = "aeiou";
  std::string name;
  const int64_t syllables = rng.between(2, 3);
  for (int64_t i = 0; i < syllables; ++i) {
    name += kConsonants[rng.below(17)];
    name += kVowels[rng.below(5)];
    if (rng.below(3) == 0) name += kConsonants[rng.below(17)];
  }
  name[0] = static_cast<char>(name[0] - 'a' + 'A');
  return name;
}

// A fact stated in the question, then asked about: the answer is in the context.
Qa recall(DeterministicRng& rng) {
  const std::string x = inventedName(rng);
  std::string y = inventedName(rng);
  while (y == x) y = inventedName(rng);
  switch (rng.below(3)) {
    case 0:  // the original project's third prompt
      return {"The capital of " + x + " is " + y + ". Q: What is the capital of " + x + "?", y, "recall", ""};
    case 1:
      return {x + " lives in " + y + ". Q: Where does " + x + " live?", y, "recall", ""};
    default:
      return {"The friend of " + x + " is " + y + ". Q: Who is the friend of " + x + "?", y, "recall", ""};
  }
}

// Levels 1 and 2: arithmetic forms, the store phrasing or recall, one third each.
Qa basic(int level, DeterministicRng& rng) {
  const uint64_t family = rng.below(3);
  if (family == 2) return recall(rng);
  const std::string operand_class = level == 1 ? "one_digit" : rng.below(2) == 0 ? "two_digit" : "mixed";
  return family == 0 ? classArithmetic(operand_class, rng) : storeProblem(operand_class, rng);
}

Qa wordProblem(DeterministicRng& rng) {
  const std::string items = pick(kItems, rng);
  const std::string name = pick(kNames, rng);
  // Returned by the templates below as {question, answer}: the word family, no class.
  auto word = [](std::string question, int64_t answer) { return numeric(std::move(question), answer, "word"); };
  switch (rng.below(5)) {
    case 0: {  // the original project's phrasing
      const int64_t a = rng.between(10, 60);
      const int64_t b = rng.between(1, a - 1);
      return numeric("If a store has " + std::to_string(a) + " " + items + " and sells " +
                         std::to_string(b) + ", how many are left?",
                     a - b, "store", operandClass(a, b));
    }
    case 1: {
      const int64_t a = rng.between(2, 50);
      const int64_t b = rng.between(2, 50);
      return word(name + " has " + std::to_string(a) + " " + items + " and gets " + std::to_string(b) +
                  " more. How many " + items + " does " + name + " have now?",
              a + b);
    }
    case 2: {
      const int64_t a = rng.between(10, 60);
      const int64_t b = rng.between(1, a - 1);
      return word(name + " had " + std::to_string(a) + " " + items + " and gave " + std::to_string(b) +
                  " to a friend. How many " + items + " does " + name + " have left?",
              a - b);
    }
    case 3: {
      const int64_t a = rng.between(2, 9);
      const int64_t b = rng.between(2, 12);
      return word(name + " buys " + std::to_string(a) + " packs of " + std::to_string(b) + " " + items +
                  ". How many " + items + " does " + name + " have?",
              a * b);
    }
    default: {  // the total is built from the answer so the division is exact
      const int64_t friends = rng.between(2, 9);
      const int64_t each = rng.between(2, 12);
      return word(std::to_string(friends * each) + " " + items + " are shared equally among " +
                  std::to_string(friends) + " friends. How many " + items +
                  " does each friend get?",
              each);
    }
  }
}

Qa hardArithmetic(DeterministicRng& rng) {
  if (rng.below(2) == 0) {
    const int64_t a = rng.between(11, 99);
    const int64_t b = rng.between(11, 99);
    return numeric("What is " + std::to_string(a) + " * " + std::to_string(b) + "?", a * b, "hard");
  }
  return addOrSubtract(100, 999, rng);
}

}  // namespace

QaRecord syntheticRecord(int difficulty, uint64_t seed) {
  DeterministicRng rng(seed);
  Qa qa;
  switch (difficulty) {
    case 1:
    case 2:
      qa = basic(difficulty, rng);
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
  r.answer = std::move(qa.answer);
  r.final_answer = r.answer;
  r.difficulty = difficulty;
  r.family = std::move(qa.family);
  r.operand_class = std::move(qa.operand_class);
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
