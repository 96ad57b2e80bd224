#include <gtest/gtest.h>

#include <map>

#include "worker/answer_match.hpp"
#include "worker/report/reporter.hpp"
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

// lm-evaluation-harness's flexible-extract: the last number, whatever the layout.
TEST(AnswerMatch, FlexibleExtractionTakesTheLastNumber) {
  EXPECT_EQ(extractLastNumber(" She has 3+4=7 apples.\n#### 7"), "7");
  EXPECT_EQ(extractLastNumber(" 8"), "8");
  EXPECT_EQ(extractLastNumber(" It costs $1,080.50 in total."), "1,080.50");
  EXPECT_EQ(extractLastNumber(" 12 then -3"), "-3");
  EXPECT_EQ(extractLastNumber(" 42 Q: What is 1 + 1?"), "42");  // stops at the next question
  EXPECT_EQ(extractLastNumber(" Paris"), "");
  EXPECT_TRUE(answersMatch(extractLastNumber(" The answer is 72."), "72"));
  EXPECT_FALSE(answersMatch(extractAnswer("gsm8k", " The answer is 72."), "72"));  // strict: no ####
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

TEST(SliceScalars, ReportEveryFamilyAndClassAndTheWeakest) {
  AnswerResult answers;
  answers.by_family["arithmetic"] = {10, 10};
  answers.by_family["recall"] = {10, 4};
  answers.by_class["one_digit"] = {5, 5};
  answers.by_class["mixed"] = {8, 6};
  const Scalars s = sliceScalars(answers);
  EXPECT_DOUBLE_EQ(scalarOr(s, "exact_match.family.arithmetic", -1), 1.0);
  EXPECT_DOUBLE_EQ(scalarOr(s, "exact_match.family.recall", -1), 0.4);
  EXPECT_DOUBLE_EQ(scalarOr(s, "exact_match.class.one_digit", -1), 1.0);
  EXPECT_DOUBLE_EQ(scalarOr(s, "exact_match.class.mixed", -1), 0.75);
  EXPECT_DOUBLE_EQ(scalarOr(s, "exact_match.weakest", -1), 0.4);
  EXPECT_EQ(s.size(), 5u);
  // Records without slices (the real datasets) give no slice scalars, and no "weakest".
  EXPECT_TRUE(sliceScalars(AnswerResult{}).empty());
}

TEST(SliceScalars, StageExactMatchCountsTheDifficultiesTheStageDraws) {
  AnswerResult answers;
  answers.by_difficulty[1] = {10, 9};
  answers.by_difficulty[2] = {10, 5};
  answers.by_difficulty[3] = {20, 0};
  EXPECT_DOUBLE_EQ(exactMatchUpTo(answers, 1), 0.9);
  EXPECT_DOUBLE_EQ(exactMatchUpTo(answers, 2), 0.7);
  EXPECT_DOUBLE_EQ(exactMatchUpTo(answers, 4), 14.0 / 40);
  EXPECT_DOUBLE_EQ(exactMatchUpTo(AnswerResult{}, 4), 0.0);
}

TEST(SliceScalars, InterleavingSlicesAsksEverySliceItsShare) {
  std::vector<data::QaRecord> records;
  // 30 one-digit sums, then 3 recall questions, then 3 mixed: a sample of 9 taken in order
  // would ask only one-digit sums.
  for (int i = 0; i < 30; ++i) records.push_back({"synthetic", "a" + std::to_string(i), "1", "1", 1, "arithmetic", "one_digit"});
  for (int i = 0; i < 3; ++i) records.push_back({"synthetic", "r" + std::to_string(i), "X", "X", 1, "recall", ""});
  for (int i = 0; i < 3; ++i) records.push_back({"synthetic", "m" + std::to_string(i), "1", "1", 2, "arithmetic", "mixed"});
  const auto slices = splitBySlice(records);
  ASSERT_EQ(slices.size(), 3u);
  EXPECT_EQ(slices[0].size(), 30u);
  EXPECT_EQ(slices[1][0].question, "r0");
  const auto asked = interleave(slices, 9);
  std::map<std::string, int> per_family_class;
  for (const auto& r : asked) ++per_family_class[r.family + "/" + r.operand_class];
  EXPECT_EQ(per_family_class["arithmetic/one_digit"], 3);
  EXPECT_EQ(per_family_class["recall/"], 3);
  EXPECT_EQ(per_family_class["arithmetic/mixed"], 3);
}

}  // namespace
}  // namespace cog::worker
