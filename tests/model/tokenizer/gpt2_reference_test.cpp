// Gpt2Tokenizer against ids from an independent GPT-2 encoder (npm gpt-3-encoder, a port of
// OpenAI's encoder.py) for the same vocabulary. Regenerate with scripts/make-gpt2-vectors.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "gpt2_test_data.hpp"

namespace cog::test {
namespace {

class Gpt2TokenizerReferenceTest : public Gpt2DataTest {};

TEST_F(Gpt2TokenizerReferenceTest, IdsEqualReferenceEncoder) {
  const std::string path = std::string(COG_TEST_FIXTURES_DIR) + "/gpt2_reference.json";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot open fixture " << path;
  const nlohmann::json fixture = nlohmann::json::parse(in);
  const auto& records = fixture.at("records");
  ASSERT_GE(records.size(), 30u);

  for (const auto& record : records) {
    const auto text = record.at("text").get<std::string>();
    const auto expected = record.at("ids").get<std::vector<int32_t>>();
    const std::vector<int32_t> ids = tokenizer().encode(text);
    EXPECT_EQ(ids, expected) << "text: " << nlohmann::json(text).dump();
    EXPECT_EQ(tokenizer().decode(ids), text);
  }
}

TEST_F(Gpt2TokenizerReferenceTest, KnownIds) {
  // From OpenAI's tokenizer for GPT-2: "Hello world" is [15496, 995].
  EXPECT_EQ(tokenizer().encode("Hello world"), (std::vector<int32_t>{15496, 995}));
  EXPECT_EQ(tokenizer().vocabSize(), 50257);
  EXPECT_EQ(tokenizer().eosId(), 50256);
  EXPECT_EQ(tokenizer().bosId(), 50256);
  EXPECT_EQ(tokenizer().padId(), 50256);
  EXPECT_EQ(tokenizer().name(), "gpt2");
}

}  // namespace
}  // namespace cog::test
