#pragma once
// Difficulty levels for the real datasets, which carry none of their own.
#include <string_view>

namespace cog::data {

// The rule: difficulty is the length bucket of the record's full text ("Q: … A: …") in
// bytes — 1: ≤128, 2: ≤256, 3: ≤512, 4: longer. With the byte tokenizer these are
// token counts, so a curriculum stage with seq_len 128/256/512 and the matching
// max_difficulty trains on records that mostly fit one sequence. Measured on the shared
// files: SVAMP is mostly 2, ARC-Easy 2-3, MBPP 2-3, GSM8K 3-4.
int lengthDifficulty(std::string_view text);

}  // namespace cog::data
