// The synthetic task: deterministic, levels as documented, every answer recomputed from the
// question text, and every record tagged with the family and operand class it belongs to.
#include "worker/data/synthetic_generator.hpp"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>

#include "common/error.hpp"

namespace cog::data {
namespace {

struct Parsed {
  std::string kind;  // "arith", "recall" or the word-problem template
  int64_t a = 0;
  int64_t b = 0;
  int64_t expected = 0;
  std::string recalled;  // recall: the name stated in the context
};

// Recomputes the answer from the question text alone; fails the test when no template
// matches, so a new phrasing cannot slip in unchecked.
Parsed parse(const std::string& q) {
  std::smatch m;
  static const std::regex arith(R"(^What is (\d+) ([-+*]) (\d+)\?$)");
  static const std::regex equals(R"(^(\d+) ([-+]) (\d+) = \?$)");
  static const std::regex words(R"(^What is (\d+) (plus|minus) (\d+)\?$)");
  static const std::regex calculate(R"(^Calculate (\d+) ([-+]) (\d+)\.$)");
  static const std::regex capital(R"(^The capital of ([A-Z][a-z]+) is ([A-Z][a-z]+)\. Q: What is the capital of \1\?$)");
  static const std::regex lives(R"(^([A-Z][a-z]+) lives in ([A-Z][a-z]+)\. Q: Where does \1 live\?$)");
  static const std::regex friend_of(R"(^The friend of ([A-Z][a-z]+) is ([A-Z][a-z]+)\. Q: Who is the friend of \1\?$)");
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
  if (std::regex_match(q, m, capital) || std::regex_match(q, m, lives) || std::regex_match(q, m, friend_of)) {
    p.kind = "recall";
    p.recalled = m[2];
    EXPECT_NE(m[1].str(), m[2].str()) << q;
  } else if (std::regex_match(q, m, words)) {
    p.a = std::stoll(m[1]);
    p.b = std::stoll(m[3]);
    const char op = m[2].str() == "plus" ? '+' : '-';
    p.kind = std::string("arith") + op;
    p.expected = op == '+' ? p.a + p.b : p.a - p.b;
  } else if (std::regex_match(q, m, arith) || std::regex_match(q, m, equals) || std::regex_match(q, m, calculate)) {
    p.a = std::stoll(m[1]);
    p.b = std::stoll(m[3]);
    const char op = m[2].str()[0];
    p.kind = std::string("arith") + op;
    p.expected = op == '+' ? p.a + p.b : op == '-' ? p.a - p.b : p.a * p.b;
  } else if (std::regex_match(q, m, store)) {
    p = {"store", std::stoll(m[1]), std::stoll(m[3]), std::stoll(m[1]) - std::stoll(m[3]), ""};
  } else if (std::regex_match(q, m, gets)) {
    p = {"gets", std::stoll(m[2]), std::stoll(m[4]), std::stoll(m[2]) + std::stoll(m[4]), ""};
  } else if (std::regex_match(q, m, gave)) {
    p = {"gave", std::stoll(m[2]), std::stoll(m[4]), std::stoll(m[2]) - std::stoll(m[4]), ""};
  } else if (std::regex_match(q, m, packs)) {
    p = {"packs", std::stoll(m[2]), std::stoll(m[3]), std::stoll(m[2]) * std::stoll(m[3]), ""};
  } else if (std::regex_match(q, m, share)) {
    const int64_t total = std::stoll(m[1]);
    const int64_t friends = std::stoll(m[3]);
    EXPECT_EQ(total % friends, 0) << q;
    p = {"share", total, friends, total / friends, ""};
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

std::string expectedClass(int64_t a, int64_t b) {
  if (a < 10 && b < 10) return "one_digit";
  if (a >= 10 && b >= 10) return "two_digit";
  return "mixed";
}

TEST(SyntheticGenerator, AnswersAreRightAndNonNegative) {
  for (const QaRecord& r : generateSynthetic(2000, 4, 99)) {
    ASSERT_EQ(r.source, "synthetic");
    ASSERT_EQ(r.answer, r.final_answer);
    const Parsed p = parse(r.question);
    if (p.kind == "recall") {
      EXPECT_EQ(r.answer, p.recalled) << r.question;
      continue;
    }
    EXPECT_EQ(r.answer, std::to_string(p.expected)) << r.question;
    EXPECT_GE(p.expected, 0) << r.question;
    EXPECT_TRUE(std::regex_match(r.answer, std::regex(R"(\d+)"))) << r.answer;
  }
}

TEST(SyntheticGenerator, LevelsMatchTheirRangesFamiliesAndClasses) {
  std::set<std::string> kindsPerLevel[5];
  std::set<std::string> familiesPerLevel[5];
  std::set<std::string> classesPerLevel[5];
  const auto records = generateSynthetic(4000, 4, 5);
  for (size_t i = 0; i < records.size(); ++i) {
    const QaRecord& r = records[i];
    ASSERT_EQ(r.difficulty, static_cast<int>(i % 4) + 1);
    const Parsed p = parse(r.question);
    kindsPerLevel[r.difficulty].insert(p.kind);
    familiesPerLevel[r.difficulty].insert(r.family);
    classesPerLevel[r.difficulty].insert(r.operand_class);
    // The class is what the operands say; only + and - on operands in 0..99 have one.
    const bool sum_or_difference = p.kind == "arith+" || p.kind == "arith-" || p.kind == "store";
    if (sum_or_difference && std::max(p.a, p.b) <= 99) {
      EXPECT_EQ(r.operand_class, expectedClass(p.a, p.b)) << r.question;
    } else {
      EXPECT_EQ(r.operand_class, "") << r.question;
    }
    if (p.kind == "recall") {
      EXPECT_EQ(r.family, "recall") << r.question;
    }
    if (p.kind == "store") {
      EXPECT_EQ(r.family, "store") << r.question;
    }
    switch (r.difficulty) {
      case 1:
        if (p.kind != "recall") {
          EXPECT_LE(std::max(p.a, p.b), 9) << r.question;
        }
        break;
      case 2:
        if (p.kind != "recall") {
          EXPECT_GE(std::max(p.a, p.b), 10) << r.question;
          EXPECT_LE(std::max(p.a, p.b), 99) << r.question;
        }
        break;
      case 3:
        EXPECT_EQ(p.kind.rfind("arith", 0), std::string::npos) << r.question;
        EXPECT_NE(p.kind, "recall") << r.question;
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
  EXPECT_EQ(kindsPerLevel[1], (std::set<std::string>{"arith+", "arith-", "store", "recall"}));
  EXPECT_EQ(kindsPerLevel[2], (std::set<std::string>{"arith+", "arith-", "store", "recall"}));
  EXPECT_EQ(kindsPerLevel[3], (std::set<std::string>{"store", "gets", "gave", "packs", "share"}));
  EXPECT_EQ(kindsPerLevel[4], (std::set<std::string>{"arith*", "arith+", "arith-"}));
  EXPECT_EQ(familiesPerLevel[1], (std::set<std::string>{"arithmetic", "store", "recall"}));
  EXPECT_EQ(familiesPerLevel[2], (std::set<std::string>{"arithmetic", "store", "recall"}));
  EXPECT_EQ(familiesPerLevel[3], (std::set<std::string>{"store", "word"}));
  EXPECT_EQ(familiesPerLevel[4], (std::set<std::string>{"hard"}));
  EXPECT_EQ(classesPerLevel[1], (std::set<std::string>{"one_digit", ""}));
  EXPECT_EQ(classesPerLevel[2], (std::set<std::string>{"two_digit", "mixed", ""}));
}

// Levels 1-2 hold the demo's whole task: each family and operand class a fair share, and the
// question forms a user would type, so held-out exact match can be broken down by both.
TEST(SyntheticGenerator, FamiliesAndClassesAreBalancedAtLevelsOneAndTwo) {
  std::map<std::string, int> families, classes;
  std::set<std::string> forms;
  const auto records = generateSynthetic(3000, 2, 21);
  for (const QaRecord& r : records) {
    ++families[r.family];
    if (!r.operand_class.empty()) ++classes[r.operand_class];
    if (r.family == "arithmetic") forms.insert(std::regex_replace(r.question, std::regex(R"(\d+)"), "N"));
  }
  for (const char* f : {"arithmetic", "store", "recall"}) {
    EXPECT_NEAR(families[f], 1000, 120) << f;
  }
  EXPECT_NEAR(classes["one_digit"], 1000, 120);  // all of level 1's sums and differences
  EXPECT_NEAR(classes["two_digit"], 500, 90);
  EXPECT_NEAR(classes["mixed"], 500, 90);
  EXPECT_EQ(forms, (std::set<std::string>{"What is N + N?", "What is N - N?", "N + N = ?", "N - N = ?",
                                           "What is N plus N?", "What is N minus N?", "Calculate N + N.",
                                           "Calculate N - N."}));
}

// The recall family invents its names per record: the answers hardly repeat, so only copying
// from the context can answer them.
TEST(SyntheticGenerator, RecallNamesAreInventedPerRecord) {
  std::set<std::string> answers;
  int recalls = 0;
  for (const QaRecord& r : generateSynthetic(3000, 1, 4)) {
    if (r.family != "recall") continue;
    ++recalls;
    answers.insert(r.answer);
    EXPECT_NE(r.question.find(r.answer + "."), std::string::npos) << r.question;
  }
  ASSERT_GT(recalls, 800);
  EXPECT_GT(static_cast<int>(answers.size()), recalls * 9 / 10);
}

TEST(SyntheticGenerator, OriginalPhrasingsAppear) {
  bool whatIs = false;
  bool store = false;
  bool capital = false;
  for (const QaRecord& r : generateSynthetic(400, 4, 1234)) {
    whatIs = whatIs || std::regex_match(r.question, std::regex(R"(What is \d\d \+ \d\d\?)"));
    store =
        store || std::regex_match(
                     r.question,
                     std::regex(R"(If a store has \d+ apples and sells \d+, how many are left\?)"));
    capital = capital || std::regex_match(r.question, std::regex(R"(The capital of \w+ is \w+\. Q: What is the capital of \w+\?)"));
  }
  EXPECT_TRUE(whatIs);
  EXPECT_TRUE(store);
  EXPECT_TRUE(capital);
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
