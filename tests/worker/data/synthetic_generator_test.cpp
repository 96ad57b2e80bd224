// The synthetic task: deterministic, levels as documented, and every answer recomputed
// from the question text.
#include "worker/data/synthetic_generator.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "common/error.hpp"

namespace cog::data {
namespace {

struct Parsed {
  std::string kind;  // "arith" or the word-problem template
  int64_t a = 0;
  int64_t b = 0;
  int64_t expected = 0;
};

// Recomputes the answer from the question text alone; fails the test when no template
// matches, so a new phrasing cannot slip in unchecked.
Parsed parse(const std::string& q) {
  std::smatch m;
  static const std::regex arith(R"(^What is (\d+) ([-+*]) (\d+)\?$)");
  static const std::regex store(
      R"(^If a store has (\d+) (\w+) and sells (\d+), how many are left\?$)");
  static const std::regex gets(
      R"(^(\w+) has (\d+) (\w+) and gets (\d+) more\. How many \3 does \1 have now\?$)");
  static const std::regex gave(
      R"(^(\w+) had (\d+) (\w+) and gave (\d+) to a friend\. How many \3 does \1 have left\?$)");
  static const std::regex packs(
      R"(^(\w+) buys (\d+) packs of (\d+) (\w+)\. How many \4 does \1 have\?$)");
  static const std::regex share(
      R"(^(\d+) (\w+) are shared equally among (\d+) friends\. How many \2 does each friend get\?$)");
  Parsed p;
  if (std::regex_match(q, m, arith)) {
    p.a = std::stoll(m[1]);
    p.b = std::stoll(m[3]);
    const char op = m[2].str()[0];
    p.kind = std::string("arith") + op;
    p.expected = op == '+' ? p.a + p.b : op == '-' ? p.a - p.b : p.a * p.b;
  } else if (std::regex_match(q, m, store)) {
    p = {"store", std::stoll(m[1]), std::stoll(m[3]), std::stoll(m[1]) - std::stoll(m[3])};
  } else if (std::regex_match(q, m, gets)) {
    p = {"gets", std::stoll(m[2]), std::stoll(m[4]), std::stoll(m[2]) + std::stoll(m[4])};
  } else if (std::regex_match(q, m, gave)) {
    p = {"gave", std::stoll(m[2]), std::stoll(m[4]), std::stoll(m[2]) - std::stoll(m[4])};
  } else if (std::regex_match(q, m, packs)) {
    p = {"packs", std::stoll(m[2]), std::stoll(m[3]), std::stoll(m[2]) * std::stoll(m[3])};
  } else if (std::regex_match(q, m, share)) {
    const int64_t total = std::stoll(m[1]);
    const int64_t friends = std::stoll(m[3]);
    EXPECT_EQ(total % friends, 0) << q;
    p = {"share", total, friends, total / friends};
  } else {
    ADD_FAILURE() << "no template matches: " << q;
  }
  return p;
}

TEST(SyntheticGenerator, SameSeedSameRecordsOtherSeedOthers) {
  const auto a = generateSynthetic(200, 4, 11);
  const auto b = generateSynthetic(200, 4, 11);
  const auto c = generateSynthetic(200, 4, 12);
  ASSERT_EQ(a.size(), 200u);
  int differing = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].text(), b[i].text());
    differing += a[i].text() != c[i].text();
  }
  EXPECT_GT(differing, 150);
  // A larger count extends a smaller one.
  const auto longer = generateSynthetic(300, 4, 11);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].text(), longer[i].text());
}

TEST(SyntheticGenerator, AnswersAreArithmeticallyRightAndNonNegative) {
  for (const QaRecord& r : generateSynthetic(2000, 4, 99)) {
    ASSERT_EQ(r.source, "synthetic");
    ASSERT_EQ(r.answer, r.final_answer);
    const Parsed p = parse(r.question);
    EXPECT_EQ(r.answer, std::to_string(p.expected)) << r.question;
    EXPECT_GE(p.expected, 0) << r.question;
    EXPECT_TRUE(std::regex_match(r.answer, std::regex(R"(\d+)"))) << r.answer;
  }
}

TEST(SyntheticGenerator, LevelsMatchTheirRanges) {
  std::set<std::string> kindsPerLevel[5];
  const auto records = generateSynthetic(4000, 4, 5);
  for (size_t i = 0; i < records.size(); ++i) {
    const QaRecord& r = records[i];
    ASSERT_EQ(r.difficulty, static_cast<int>(i % 4) + 1);
    const Parsed p = parse(r.question);
    kindsPerLevel[r.difficulty].insert(p.kind);
    switch (r.difficulty) {
      case 1:
        EXPECT_TRUE(p.kind == "arith+" || p.kind == "arith-") << r.question;
        EXPECT_LE(std::max(p.a, p.b), 9) << r.question;
        break;
      case 2:
        EXPECT_TRUE(p.kind == "arith+" || p.kind == "arith-") << r.question;
        EXPECT_GE(std::min(p.a, p.b), 10) << r.question;
        EXPECT_LE(std::max(p.a, p.b), 99) << r.question;
        break;
      case 3:
        EXPECT_EQ(p.kind.rfind("arith", 0), std::string::npos) << r.question;
        break;
      case 4:
        if (p.kind == "arith*") {
          EXPECT_GE(std::min(p.a, p.b), 11) << r.question;
        } else {
          EXPECT_GE(std::min(p.a, p.b), 100) << r.question;
          EXPECT_LE(std::max(p.a, p.b), 999) << r.question;
        }
        break;
    }
  }
  EXPECT_EQ(kindsPerLevel[1], (std::set<std::string>{"arith+", "arith-"}));
  EXPECT_EQ(kindsPerLevel[3], (std::set<std::string>{"store", "gets", "gave", "packs", "share"}));
  EXPECT_EQ(kindsPerLevel[4], (std::set<std::string>{"arith*", "arith+", "arith-"}));
}

TEST(SyntheticGenerator, OriginalPhrasingsAppear) {
  bool whatIs = false;
  bool store = false;
  for (const QaRecord& r : generateSynthetic(400, 4, 1234)) {
    whatIs = whatIs || std::regex_match(r.question, std::regex(R"(What is \d\d \+ \d\d\?)"));
    store =
        store || std::regex_match(
                     r.question,
                     std::regex(R"(If a store has \d+ apples and sells \d+, how many are left\?)"));
  }
  EXPECT_TRUE(whatIs);
  EXPECT_TRUE(store);
}

TEST(SyntheticGenerator, MaxDifficultyLimitsLevels) {
  for (const QaRecord& r : generateSynthetic(100, 2, 3)) EXPECT_LE(r.difficulty, 2);
  EXPECT_THROW(generateSynthetic(10, 5, 3), InvariantError);
  for (const QaRecord& r : generateSynthetic(100, 3, 3, /*min_difficulty=*/2)) {
    EXPECT_GE(r.difficulty, 2);
    EXPECT_LE(r.difficulty, 3);
  }
  EXPECT_THROW(generateSynthetic(10, 2, 3, 3), InvariantError);
  EXPECT_THROW(generateSynthetic(10, 0, 3), InvariantError);
}

}  // namespace
}  // namespace cog::data
