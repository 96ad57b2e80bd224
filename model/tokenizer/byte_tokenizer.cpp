#include "model/tokenizer/byte_tokenizer.hpp"

#include "common/error.hpp"

namespace cog {

std::vector<int32_t> ByteTokenizer::encode(std::string_view text) const {
  std::vector<int32_t> ids;
  ids.reserve(text.size());
  for (char c : text) {
    // Through unsigned char: a plain char may be signed, and bytes >= 0x80 must map to 128..255.
    ids.push_back(static_cast<unsigned char>(c));
  }
  return ids;
}

std::string ByteTokenizer::decode(const std::vector<int32_t>& ids) const {
  std::string text;
  text.reserve(ids.size());
  for (int32_t id : ids) {
    if (id >= 0 && id < 256) {
      text.push_back(static_cast<char>(id));
    } else if (id == kBos || id == kEos || id == kPad) {
      continue;
    } else {
      throw DataError("byte tokenizer: token id " + std::to_string(id) +
                      " is outside its vocabulary (0.." + std::to_string(kVocabSize - 1) + ")");
    }
  }
  return text;
}

}  // namespace cog
