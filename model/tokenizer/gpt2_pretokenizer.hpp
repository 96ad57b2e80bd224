#pragma once
// Splits text into the pieces GPT-2 runs BPE on, with GPT-2's regex
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// through PCRE2 (std::regex has no \p{L}). PCRE2 stays behind a pimpl so code that
// includes the tokenizer headers does not need pcre2.h.
//
// Thread-safety: split() is const and may run on several threads at once; the compiled
// (JIT) pattern is read-only and each call allocates its own match data.
#include <memory>
#include <string_view>
#include <vector>

namespace cog {

class Gpt2Pretokenizer {
 public:
  Gpt2Pretokenizer();
  ~Gpt2Pretokenizer();
  Gpt2Pretokenizer(const Gpt2Pretokenizer&) = delete;
  Gpt2Pretokenizer& operator=(const Gpt2Pretokenizer&) = delete;

  // Pieces that concatenate back to `text` exactly. Bytes that are not valid UTF-8 match
  // no regex branch; each run of them becomes a piece of its own, so nothing is dropped.
  std::vector<std::string_view> split(std::string_view text) const;

 private:
  struct Pattern;
  std::unique_ptr<Pattern> pattern_;
};

}  // namespace cog
