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

  std::string prompt() const;  // "Q: <question> A:"
  std::string text() const;    // "Q: <question> A: <answer>"
};

}  // namespace cog::data
