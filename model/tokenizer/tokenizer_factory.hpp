#pragma once
// The one place a tokenizer kind named in config becomes an object.
#include <memory>
#include <string>

#include "model/tokenizer/tokenizer.hpp"

namespace cog {

// The `tokenizer:` section of a config, already parsed.
struct TokenizerConfig {
  std::string kind = "byte";  // tokenizer.kind: byte | gpt2
  std::string vocab;          // tokenizer.vocab: vocab.json path (gpt2 only)
  std::string merges;         // tokenizer.merges: merges.txt path (gpt2 only)
};

// Throws cog::ConfigError for an unknown kind or a gpt2 config without file paths, and
// cog::DataError when the gpt2 files cannot be read.
std::unique_ptr<Tokenizer> makeTokenizer(const TokenizerConfig& config);

}  // namespace cog
