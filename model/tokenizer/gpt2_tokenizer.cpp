#include "model/tokenizer/gpt2_tokenizer.hpp"

#include <iomanip>
#include <sstream>

#include "common/error.hpp"
#include "model/tokenizer/bpe_files.hpp"
#include "model/tokenizer/byte_unicode.hpp"

namespace cog {
namespace {

constexpr const char* kEndOfText = "<|endoftext|>";

std::string hexByte(int byte) {
  std::ostringstream out;
  out << "0x" << std::hex << std::setw(2) << std::setfill('0') << byte;
  return out.str();
}

}  // namespace

Gpt2Tokenizer::Gpt2Tokenizer(const std::string& vocabPath, const std::string& mergesPath) {
  const std::vector<std::string> tokens = readVocabJson(vocabPath);
  std::unordered_map<std::string, int32_t> tokenIds;
  tokenIds.reserve(tokens.size());
  tokenBytes_.reserve(tokens.size());
  for (size_t id = 0; id < tokens.size(); ++id) {
    tokenIds.emplace(tokens[id], static_cast<int32_t>(id));
    std::optional<std::string> bytes = unicodeToBytes(tokens[id]);
    if (!bytes) {
      throw DataError("GPT-2 vocab file '" + vocabPath + "': token '" + tokens[id] + "' (id " +
                      std::to_string(id) +
                      ") holds a character that is not one of GPT-2's byte characters");
    }
    tokenBytes_.push_back(std::move(*bytes));
  }

  for (int byte = 0; byte < 256; ++byte) {
    const auto it = tokenIds.find(byteToUnicodeUtf8(static_cast<uint8_t>(byte)));
    if (it == tokenIds.end()) {
      throw DataError("GPT-2 vocab file '" + vocabPath + "' has no token for byte " +
                      hexByte(byte) + "; byte-level BPE needs all 256");
    }
    byteIds_[byte] = it->second;
  }
  const auto eot = tokenIds.find(kEndOfText);
  if (eot == tokenIds.end()) {
    throw DataError("GPT-2 vocab file '" + vocabPath + "' has no " + kEndOfText + " token");
  }
  endOfText_ = eot->second;

  merger_ = readMergesTxt(mergesPath, tokenIds);
}

std::vector<int32_t> Gpt2Tokenizer::encode(std::string_view text) const {
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3);  // English averages ~4 bytes per token
  for (std::string_view piece : pretokenizer_.split(text)) encodePiece(piece, ids);
  return ids;
}

void Gpt2Tokenizer::encodePiece(std::string_view piece, std::vector<int32_t>& out) const {
  const bool cacheable = piece.size() <= kMaxCachedPieceBytes;
  std::string key;
  if (cacheable) {
    key.assign(piece);
    std::lock_guard<std::mutex> lock(cacheMutex_);
    const auto it = cache_.find(key);
    if (it != cache_.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }

  std::vector<int32_t> symbols;
  symbols.reserve(piece.size());
  for (char c : piece) symbols.push_back(byteIds_[static_cast<unsigned char>(c)]);
  merger_.apply(symbols);
  out.insert(out.end(), symbols.begin(), symbols.end());

  if (cacheable) {
    std::lock_guard<std::mutex> lock(cacheMutex_);
    if (cache_.size() >= kMaxCacheEntries) cache_.clear();
    cache_.emplace(std::move(key), std::move(symbols));
  }
}

std::string Gpt2Tokenizer::decode(const std::vector<int32_t>& ids) const {
  std::string text;
  for (int32_t id : ids) {
    if (id < 0 || id >= vocabSize()) {
      throw DataError("gpt2 tokenizer: token id " + std::to_string(id) +
                      " is outside its vocabulary (0.." + std::to_string(vocabSize() - 1) + ")");
    }
    if (id == endOfText_) continue;
    text += tokenBytes_[id];
  }
  return text;
}

}  // namespace cog
