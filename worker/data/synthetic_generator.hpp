#pragma once
// Synthetic Q&A with exact answers, so training and every test run without downloads.
// Levels (the curriculum's difficulty):
//   1  one-digit + and −, and the in-context recall family
//        "What is 7 - 3?" / "7 - 3 = ?" / "What is 7 minus 3?" / "Calculate 7 - 3."   → "4"
//        "If a store has 9 apples and sells 4, how many are left?"                    → "5"
//        "The capital of Dovira is Talmek. Q: What is the capital of Dovira?"           → "Talmek"
//   2  + and − with operands anywhere in 0–99, at least one of them two-digit (operand
//      classes two_digit and mixed), in the same question forms and the store phrasing;
//      and the recall family again, so a curriculum that moves on keeps it
//   3  word problems, e.g.        "If a store has 15 apples and sells 7, how many are left?" → "8"
//      (also: has N and gets M more; had N and gave M; buys N packs of M; shares N among M)
//   4  two-digit × two-digit, and three-digit + and −   "What is 23 * 47?" → "1081"
// Answers are the number (or the recalled name) only; no template produces a negative or
// fractional answer. Levels 1 and 2 draw their family uniformly (arithmetic forms, store
// phrasing, recall), so every family and operand class is in every split of them.
// The recall family's names are invented per record (syllables drawn from the seed), so the
// model must copy the answer from the context: no fact can be memorised.
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
