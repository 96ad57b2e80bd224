#pragma once
// Each byte is its own token: no files needed, any byte string round-trips exactly.
// Used by the tiny presets so CPU tests and the demo run without downloads.
#include "model/tokenizer/tokenizer.hpp"

namespace cog {

class ByteTokenizer final : public Tokenizer {
 public:
  // Ids 0..255 are the bytes themselves; the specials follow so a byte never collides.
  static constexpr int32_t kBos = 256;
  static constexpr int32_t kEos = 257;
  static constexpr int32_t kPad = 258;
  static constexpr int32_t kVocabSize = 259;

  std::vector<int32_t> encode(std::string_view text) const override;
  std::string decode(const std::vector<int32_t>& ids) const override;
  int32_t vocabSize() const override { return kVocabSize; }
  int32_t bosId() const override { return kBos; }
  int32_t eosId() const override { return kEos; }
  int32_t padId() const override { return kPad; }
  std::string name() const override { return "byte"; }
};

}  // namespace cog
