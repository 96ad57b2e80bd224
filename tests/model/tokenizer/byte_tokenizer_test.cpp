#include "model/tokenizer/byte_tokenizer.hpp"

#include <gtest/gtest.h>

#include <random>

#include "common/error.hpp"

namespace cog {
namespace {

TEST(ByteTokenizerTest, IdsAreBytesThenSpecials) {
  ByteTokenizer tokenizer;
  EXPECT_EQ(tokenizer.vocabSize(), 259);
  EXPECT_EQ(tokenizer.bosId(), 256);
  EXPECT_EQ(tokenizer.eosId(), 257);
  EXPECT_EQ(tokenizer.padId(), 258);
  EXPECT_EQ(tokenizer.name(), "byte");
  EXPECT_EQ(tokenizer.encode("Az\n\xff"), (std::vector<int32_t>{65, 122, 10, 255}));
}

TEST(ByteTokenizerTest, RoundTripsArbitraryBytesIncludingInvalidUtf8) {
  ByteTokenizer tokenizer;
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  EXPECT_EQ(tokenizer.decode(tokenizer.encode(all)), all);

  std::mt19937 rng(1234);
  std::uniform_int_distribution<int> byte(0, 255), length(0, 300);
  for (int i = 0; i < 200; ++i) {
    std::string text(static_cast<size_t>(length(rng)), '\0');
    for (char& c : text) c = static_cast<char>(byte(rng));
    const std::vector<int32_t> ids = tokenizer.encode(text);
    ASSERT_EQ(ids.size(), text.size());
    for (int32_t id : ids) ASSERT_LT(id, 256);
    ASSERT_EQ(tokenizer.decode(ids), text);
  }
  const std::string invalid = "\xc3\x28 \xa0\xa1 \xe2\x82 \xf0\x28\x8c\xbc \xc0\xaf";
  EXPECT_EQ(tokenizer.decode(tokenizer.encode(invalid)), invalid);
}

TEST(ByteTokenizerTest, DecodeSkipsSpecialIds) {
  ByteTokenizer tokenizer;
  EXPECT_EQ(tokenizer.decode({256, 104, 258, 105, 257, 258}), "hi");
}

TEST(ByteTokenizerTest, DecodeRejectsIdsOutsideVocabulary) {
  ByteTokenizer tokenizer;
  try {
    tokenizer.decode({104, 259});
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("259"), std::string::npos) << e.what();
  }
  EXPECT_THROW(tokenizer.decode({-1}), DataError);
}

}  // namespace
}  // namespace cog
