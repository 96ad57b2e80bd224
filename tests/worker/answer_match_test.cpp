#include <gtest/gtest.h>

#include "worker/answer_match.hpp"
#include "worker/validator.hpp"

namespace cog::worker {
namespace {

TEST(AnswerMatch, ExtractsTheAnswerLineOrTheGsm8kFinalNumber) {
  EXPECT_EQ(extractAnswer("synthetic", " 42\nQ: What is"), "42");
  EXPECT_EQ(extractAnswer("synthetic", " 42 Q: next"), "42");
  EXPECT_EQ(extractAnswer("gsm8k", " She has 3+4=7 apples.\n#### 7"), "7");
  EXPECT_EQ(extractAnswer("gsm8k", " no final marker 7"), "");
  EXPECT_EQ(extractAnswer("mbpp", " def f():\n    return 1"), "def f():\n    return 1");
}

TEST(AnswerMatch, ComparesNumbersByValueAndRejectsEmpty) {
  EXPECT_TRUE(answersMatch("42", "42"));
  EXPECT_TRUE(answersMatch("42.0", "42"));
  EXPECT_TRUE(answersMatch("1,080", "1080"));
  EXPECT_TRUE(answersMatch("$5.", "5"));
  EXPECT_TRUE(answersMatch("B", "B"));
  EXPECT_FALSE(answersMatch("41", "42"));
  EXPECT_FALSE(answersMatch("", ""));
  EXPECT_FALSE(answersMatch("B", "C"));
}

TEST(Diversity, FlagsTheCollapsedModelAndPassesAVariedOne) {
  // The original failure: every answer is "::::::".
  const int64_t colon = ':';
  std::vector<std::vector<int64_t>> collapsed(10, std::vector<int64_t>(6, colon));
  auto bad = measureDiversity(collapsed);
  EXPECT_NEAR(bad.distinct_1, 1.0 / 60, 1e-12);
  EXPECT_DOUBLE_EQ(bad.top_token_share, 1.0);
  EXPECT_NEAR(bad.distinct_2, 1.0 / 50, 1e-12);

  std::vector<std::vector<int64_t>> varied = {{'4', '2'}, {'1', '7'}, {'9'}, {'3', '0', '1'}};
  auto good = measureDiversity(varied);
  EXPECT_NEAR(good.distinct_1, 7.0 / 8, 1e-12);  // '1' appears twice
  EXPECT_NEAR(good.top_token_share, 2.0 / 8, 1e-12);
  EXPECT_NEAR(good.distinct_2, 1.0, 1e-12);
}

}  // namespace
}  // namespace cog::worker
