#pragma once
// One question/answer pair, whatever dataset it came from. Every loader produces these;
// the model sees text(), generation is prompted with prompt(), exact-match compares the
// generated continuation with final_answer.
#include <string>

namespace cog::data {

struct QaRecord {
  std::string source;  // the source kind: synthetic, gsm8k, svamp, mbpp, arc_easy, ...
  std::string question;
  std::string answer;        // full answer text the model learns
  std::string final_answer;  // what exact-match compares (number, letter, or code)
  int difficulty = 1;        // 1..4; curriculum stages filter on it
  // What exact match is broken down by (validation, `cogworker eval`), so that a score says
  // how far a model generalises and not only how well it answers its training mix. Set by
  // the synthetic generator (arithmetic | store | recall | word | hard); empty for the real
  // datasets, which are reported per source instead.
  std::string family;
  // For sums and differences of operands in 0..99: one_digit (both < 10), two_digit (both
  // >= 10) or mixed; empty otherwise.
  std::string operand_class;

  std::string prompt() const;  // "Q: <question> A:"
  std::string text() const;    // "Q: <question> A: <answer>"
};

}  // namespace cog::data
