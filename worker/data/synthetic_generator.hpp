#pragma once
// Arithmetic Q&A with exact answers, so training and every test run without downloads.
// Levels:
//   1  one-digit + and −          "What is 7 - 3?"                       → "4"
//   2  two-digit + and −          "What is 25 + 17?"                     → "42"
//   3  word problems, e.g.        "If a store has 15 apples and sells 7, how many are left?" → "8"
//      (also: has N and gets M more; had N and gave M; buys N packs of M; shares N among M)
//   4  two-digit × two-digit, and three-digit + and −   "What is 23 * 47?" → "1081"
// Answers are the number only; no template produces a negative or fractional answer.
#include <cstdint>
#include <vector>

#include "worker/data/qa_record.hpp"

namespace cog::data {

// `count` records, record i at level (i mod max_difficulty) + 1 so every level up to
// max_difficulty is equally present. Record i depends only on (seed, i), so a larger
// count extends a smaller one instead of reshuffling it. Throws InvariantError for
// count < 0 or max_difficulty outside 1..4 (SourceConfig values are checked, with their
// key names, before this is called).
// Levels min_difficulty..max_difficulty are assigned round-robin (record i gets
// min + i mod levels), so each level gets an equal share.
std::vector<QaRecord> generateSynthetic(int64_t count, int max_difficulty, uint64_t seed,
                                        int min_difficulty = 1);

// One record at `difficulty`, drawn from a generator seeded with `seed`.
QaRecord syntheticRecord(int difficulty, uint64_t seed);

}  // namespace cog::data
