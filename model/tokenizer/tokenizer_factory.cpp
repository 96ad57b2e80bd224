#include "model/tokenizer/tokenizer_factory.hpp"

#include "common/error.hpp"
#include "model/tokenizer/byte_tokenizer.hpp"
#include "model/tokenizer/gpt2_tokenizer.hpp"

namespace cog {

std::unique_ptr<Tokenizer> makeTokenizer(const TokenizerConfig& config) {
  if (config.kind == "byte") return std::make_unique<ByteTokenizer>();
  if (config.kind == "gpt2") {
    if (config.vocab.empty()) {
      throw ConfigError(
          "tokenizer.vocab is required when tokenizer.kind is gpt2 "
          "(path to GPT-2's vocab.json)");
    }
    if (config.merges.empty()) {
      throw ConfigError(
          "tokenizer.merges is required when tokenizer.kind is gpt2 "
          "(path to GPT-2's merges.txt)");
    }
    return std::make_unique<Gpt2Tokenizer>(config.vocab, config.merges);
  }
  throw ConfigError("tokenizer.kind '" + config.kind + "' is unknown; allowed: byte, gpt2");
}

}  // namespace cog
