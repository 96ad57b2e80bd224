#include "model/tokenizer/tokenizer_factory.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "gpt2_test_data.hpp"

namespace cog::test {
namespace {

std::string configErrorOf(const TokenizerConfig& config) {
  try {
    makeTokenizer(config);
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected ConfigError for kind '" << config.kind << "'";
  return "";
}

TEST(TokenizerFactoryTest, DefaultIsByte) {
  const auto tokenizer = makeTokenizer(TokenizerConfig{});
  EXPECT_EQ(tokenizer->name(), "byte");
  EXPECT_EQ(tokenizer->vocabSize(), 259);
}

TEST(TokenizerFactoryTest, UnknownKindNamesKeyValueAndAllowedKinds) {
  TokenizerConfig config;
  config.kind = "sentencepiece";
  const std::string message = configErrorOf(config);
  EXPECT_NE(message.find("tokenizer.kind"), std::string::npos) << message;
  EXPECT_NE(message.find("sentencepiece"), std::string::npos) << message;
  EXPECT_NE(message.find("byte, gpt2"), std::string::npos) << message;
}

TEST(TokenizerFactoryTest, Gpt2WithoutPathsNamesTheMissingKey) {
  TokenizerConfig config;
  config.kind = "gpt2";
  EXPECT_NE(configErrorOf(config).find("tokenizer.vocab"), std::string::npos);
  config.vocab = "vocab.json";
  EXPECT_NE(configErrorOf(config).find("tokenizer.merges"), std::string::npos);
}

class TokenizerFactoryGpt2Test : public Gpt2DataTest {};

TEST_F(TokenizerFactoryGpt2Test, BuildsGpt2FromPaths) {
  TokenizerConfig config;
  config.kind = "gpt2";
  config.vocab = gpt2DataDir() + "/vocab.json";
  config.merges = gpt2DataDir() + "/merges.txt";
  const auto tokenizer = makeTokenizer(config);
  EXPECT_EQ(tokenizer->name(), "gpt2");
  EXPECT_EQ(tokenizer->vocabSize(), 50257);
  EXPECT_EQ(tokenizer->encode("Hello world"), (std::vector<int32_t>{15496, 995}));
}

}  // namespace
}  // namespace cog::test
