#pragma once
// GPT-2's byte-level BPE (50,257 tokens with the standard files): pre-tokenise with GPT-2's
// regex, spell each piece's bytes as token ids, apply merges by rank. Ids equal those of
// OpenAI's encoder.py for the same vocab.json / merges.txt (a fixture test checks this).
#include <array>
#include <mutex>
#include <string>
#include <unordered_map>

#include "model/tokenizer/bpe.hpp"
#include "model/tokenizer/gpt2_pretokenizer.hpp"
#include "model/tokenizer/tokenizer.hpp"

namespace cog {

class Gpt2Tokenizer final : public Tokenizer {
 public:
  // Reads both files now; a missing or malformed file throws cog::DataError naming it.
  Gpt2Tokenizer(const std::string& vocabPath, const std::string& mergesPath);

  std::vector<int32_t> encode(std::string_view text) const override;
  std::string decode(const std::vector<int32_t>& ids) const override;
  int32_t vocabSize() const override { return static_cast<int32_t>(tokenBytes_.size()); }
  // GPT-2 has one special token, <|endoftext|>, which separates documents in its training
  // data; it serves as BOS, EOS and PAD alike.
  int32_t bosId() const override { return endOfText_; }
  int32_t eosId() const override { return endOfText_; }
  int32_t padId() const override { return endOfText_; }
  std::string name() const override { return "gpt2"; }

 private:
  void encodePiece(std::string_view piece, std::vector<int32_t>& out) const;

  std::vector<std::string> tokenBytes_;  // id -> the raw bytes it stands for
  std::array<int32_t, 256> byteIds_{};   // byte -> id of its single-byte token
  int32_t endOfText_ = 0;
  BpeMerger merger_;
  Gpt2Pretokenizer pretokenizer_;

  // Cache of piece bytes -> ids. Shared by all threads, so guarded by cacheMutex_ (held only
  // for the lookup and the insert, never during BPE). Cleared when it reaches
  // kMaxCacheEntries so an endless stream of novel words cannot grow memory without bound.
  static constexpr size_t kMaxCacheEntries = 1 << 18;
  static constexpr size_t kMaxCachedPieceBytes = 64;  // long pieces are rare; not worth keeping
  mutable std::mutex cacheMutex_;
  mutable std::unordered_map<std::string, std::vector<int32_t>> cache_;
};

}  // namespace cog
