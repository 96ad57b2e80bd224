// Every loader against the real shared files (record counts from shared/data/SOURCES.md)
// and the HellaSwag fixture, plus the skip-and-warn policy on deliberately broken files.
#include "worker/data/record_loaders.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "data_test_util.hpp"
#include "worker/data/difficulty.hpp"

namespace cog::data {
namespace {

using test::sharedData;
using test::TempDir;
using test::WarningLog;

TEST(Gsm8kLoader, ReadsAllTrainRecordsWithFinalAnswers) {
  COG_REQUIRE_SHARED_DATA();
  WarningLog log;
  const LoadResult r = loadGsm8k(sharedData("gsm8k/train.jsonl"), log.sink());
  ASSERT_EQ(r.records.size(), 7473u);
  EXPECT_EQ(r.skipped, 0);
  EXPECT_TRUE(log.lines.empty());
  const QaRecord& first = r.records[0];
  EXPECT_EQ(first.source, "gsm8k");
  EXPECT_EQ(first.question.rfind("Natalia sold clips to 48 of her friends in April", 0), 0u);
  EXPECT_EQ(first.final_answer, "72");
  EXPECT_EQ(first.answer.rfind("Natalia sold 48/2 = <<48/2=24>>24 clips in May.", 0), 0u);
  EXPECT_EQ(first.answer.substr(first.answer.size() - 7), "#### 72");
  EXPECT_EQ(first.prompt(), "Q: " + first.question + " A:");
  EXPECT_EQ(first.text(), first.prompt() + " " + first.answer);
  // Line 346 ends in "#### 1,080": the comma goes, the digits stay.
  EXPECT_EQ(r.records[345].final_answer, "1080");
  EXPECT_EQ(r.records[345].question.rfind("Adam earns $40 daily in his job.", 0), 0u);
}

TEST(SvampLoader, ReadsArrayAndFormatsAnswers) {
  COG_REQUIRE_SHARED_DATA();
  const LoadResult r = loadSvamp(sharedData("svamp/SVAMP.json"), nullptr);
  ASSERT_EQ(r.records.size(), 1000u);
  const QaRecord& first = r.records[0];
  EXPECT_EQ(first.source, "svamp");
  EXPECT_EQ(first.question,
            "Each pack of dvds costs 76 dollars. If there is a discount of 25 dollars on each "
            "pack How much do you have to pay to buy each pack?");
  EXPECT_EQ(first.answer, "51");
  EXPECT_EQ(first.final_answer, "51");
  EXPECT_EQ(r.records[999].final_answer, "11");
}

TEST(SvampLoader, ShortestNumberDropsOnlyTrailingZeros) {
  EXPECT_EQ(shortestNumber(51.0), "51");
  EXPECT_EQ(shortestNumber(2.5), "2.5");
  EXPECT_EQ(shortestNumber(0.1), "0.1");
  EXPECT_EQ(shortestNumber(-3.0), "-3");
  EXPECT_EQ(shortestNumber(-0.0), "0");
  EXPECT_EQ(shortestNumber(1200.0), "1200");
}

TEST(MbppLoader, ReadsAllRecordsWithLfCode) {
  COG_REQUIRE_SHARED_DATA();
  const LoadResult r = loadMbpp(sharedData("mbpp/mbpp.jsonl"), nullptr);
  ASSERT_EQ(r.records.size(), 974u);
  const QaRecord& first = r.records[0];
  EXPECT_EQ(first.source, "mbpp");
  EXPECT_EQ(first.question.rfind("Write a function to find the minimum cost path", 0), 0u);
  EXPECT_EQ(first.final_answer.rfind("R = 3\nC = 3\ndef min_cost(cost, m, n):", 0), 0u);
  EXPECT_EQ(first.answer, first.final_answer);
  for (const auto& rec : r.records) ASSERT_EQ(rec.answer.find("\r\n"), std::string::npos);
}

TEST(ArcLoader, EnumeratesChoicesWithGivenLabels) {
  COG_REQUIRE_SHARED_DATA();
  const LoadResult r = loadArc(sharedData("arc_easy/ARC-Easy-Train.jsonl"), "arc_easy", nullptr);
  ASSERT_EQ(r.records.size(), 2251u);
  EXPECT_EQ(r.skipped, 0);
  const QaRecord& first = r.records[0];
  EXPECT_EQ(first.source, "arc_easy");
  EXPECT_EQ(first.question,
            "Which factor will most likely cause a person to develop a fever? (A) a leg muscle "
            "relaxing after exercise (B) a bacterial population in the bloodstream (C) several "
            "viral particles on the skin (D) carbohydrates being digested in the stomach");
  EXPECT_EQ(first.answer, "B");
  EXPECT_EQ(first.final_answer, "B");
  // Line 5 labels its choices 1-4 and answers "3": kept as given, not turned into "C".
  const QaRecord& numeric = r.records[4];
  EXPECT_EQ(numeric.question.rfind("Rocks are classified as igneous, metamorphic, or sedimentary "
                                   "according to (1) their color (2) their shape (3) how they "
                                   "formed",
                                   0),
            0u);
  EXPECT_EQ(numeric.final_answer, "3");
}

TEST(ArcLoader, ReadsChallengeSplit) {
  COG_REQUIRE_SHARED_DATA();
  const LoadResult r =
      loadArc(sharedData("arc_challenge/ARC-Challenge-Train.jsonl"), "arc_challenge", nullptr);
  EXPECT_EQ(r.records.size(), 1119u);
  EXPECT_EQ(r.skipped, 0);
}

TEST(HellaSwagLoader, ReadsFixtureInOriginalFormat) {
  const LoadResult r = loadHellaSwag(test::fixture("hellaswag_sample.jsonl"), nullptr);
  ASSERT_EQ(r.records.size(), 6u);
  const QaRecord& first = r.records[0];
  EXPECT_EQ(first.source, "hellaswag");
  EXPECT_EQ(first.question,
            "A man is sitting on a roof. he (A) is using wrap to wrap a pair of skis. (B) is "
            "ripping level tiles off. (C) is holding a rubik's cube. (D) starts pulling up "
            "roofing on a roof.");
  EXPECT_EQ(first.final_answer, "D");
  EXPECT_EQ(r.records[4].final_answer, "B");
  EXPECT_EQ(r.records[5].final_answer, "A");
}

TEST(Loaders, DifficultyFollowsTextLength) {
  COG_REQUIRE_SHARED_DATA();
  EXPECT_EQ(lengthDifficulty(std::string(128, 'x')), 1);
  EXPECT_EQ(lengthDifficulty(std::string(129, 'x')), 2);
  EXPECT_EQ(lengthDifficulty(std::string(512, 'x')), 3);
  EXPECT_EQ(lengthDifficulty(std::string(513, 'x')), 4);
  const LoadResult r = loadGsm8k(sharedData("gsm8k/train.jsonl"), nullptr);
  int counts[5] = {0, 0, 0, 0, 0};
  for (const auto& rec : r.records) {
    ASSERT_EQ(rec.difficulty, lengthDifficulty(rec.text()));
    ++counts[rec.difficulty];
  }
  // GSM8K's texts are 300-800 bytes: mostly levels 3 and 4, both present.
  EXPECT_GT(counts[3], 1000);
  EXPECT_GT(counts[4], 1000);
}

TEST(Loaders, MalformedLinesAreSkippedWithFileAndLine) {
  TempDir dir;
  const std::string path =
      dir.write("gsm.jsonl",
                "{\"question\": \"What is 1 + 1?\", \"answer\": \"1 + 1 = 2\\n#### 2\"}\n"
                "{\"question\": \"broken\", \"answer\": \n"               // line 2: bad JSON
                "{\"question\": \"no answer\"}\n"                         // line 3: missing field
                "{\"question\": 7, \"answer\": \"#### 7\"}\n"             // line 4: wrong type
                "\n"                                                      // blank: ignored
                "{\"question\": \"no mark\", \"answer\": \"it is 4\"}\n"  // line 6: no ####
                "[1, 2]\n"                                                // line 7: not an object
                "{\"question\": \"What is 2 + 2?\", \"answer\": \"#### 4\"}\r\n");  // CRLF is fine
  WarningLog log;
  const LoadResult r = loadGsm8k(path, log.sink());
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[1].final_answer, "4");
  EXPECT_EQ(r.skipped, 5);
  ASSERT_EQ(log.lines.size(), 5u);
  EXPECT_NE(log.lines[0].find(path + ":2: bad JSON"), std::string::npos) << log.lines[0];
  EXPECT_NE(log.lines[1].find(path + ":3: missing field 'answer'"), std::string::npos)
      << log.lines[1];
  EXPECT_NE(log.lines[2].find(path + ":4: field 'question' is number, expected string"),
            std::string::npos)
      << log.lines[2];
  EXPECT_NE(log.lines[3].find(path + ":6:"), std::string::npos) << log.lines[3];
  EXPECT_NE(log.lines[4].find(path + ":7: expected a JSON object"), std::string::npos)
      << log.lines[4];
}

// A user's own held-out file (`cogworker eval --format qa`): text or numeric answers, the
// optional slice fields kept, malformed lines skipped with their line number.
TEST(QaLoader, ReadsQuestionsAnswersAndSlices) {
  TempDir dir;
  const std::string path = dir.write(
      "mine.jsonl",
      "{\"question\": \"What is 32 + 9?\", \"answer\": 41, \"operand_class\": \"mixed\"}\n"
      "{\"question\": \"The capital of France is Paris. Q: What is the capital of France?\", "
      "\"answer\": \" Paris \", \"family\": \"recall\"}\n"
      "{\"question\": \"no answer\"}\n"                       // line 3: missing field
      "{\"question\": \"half\", \"answer\": 0.5}\n"
      "{\"question\": \"list\", \"answer\": [1]}\n"             // line 5: wrong type
      "{\"question\": \"huge\", \"answer\": 3e363}\n");         // line 6: beyond double
  WarningLog log;
  const LoadResult r = loadQa(path, log.sink());
  ASSERT_EQ(r.records.size(), 3u);
  EXPECT_EQ(r.records[0].source, "qa");
  EXPECT_EQ(r.records[0].final_answer, "41");
  EXPECT_EQ(r.records[0].operand_class, "mixed");
  EXPECT_EQ(r.records[0].family, "");
  EXPECT_EQ(r.records[1].final_answer, "Paris");
  EXPECT_EQ(r.records[1].family, "recall");
  EXPECT_EQ(r.records[1].prompt(), "Q: The capital of France is Paris. Q: What is the capital of France? A:");
  EXPECT_EQ(r.records[2].final_answer, "0.5");
  EXPECT_EQ(r.skipped, 3);
  ASSERT_EQ(log.lines.size(), 3u);
  EXPECT_NE(log.lines[0].find(path + ":3: missing field 'answer'"), std::string::npos) << log.lines[0];
  EXPECT_NE(log.lines[1].find(path + ":5: field 'answer' is array"), std::string::npos) << log.lines[1];
  EXPECT_NE(log.lines[2].find(path + ":6: bad JSON: "), std::string::npos) << log.lines[2];
}

TEST(Loaders, ArcAnswerKeyMustBeAChoice) {
  TempDir dir;
  const std::string path = dir.write(
      "arc.jsonl",
      R"({"id":"a","question":{"stem":"Pick","choices":[{"text":"x","label":"A"},{"text":"y","label":"B"}]},"answerKey":"B"})"
      "\n"
      R"({"id":"b","question":{"stem":"Pick","choices":[{"text":"x","label":"A"}]},"answerKey":"C"})"
      "\n"
      R"({"id":"c","question":"flat","answerKey":"A"})"
      "\n");
  WarningLog log;
  const LoadResult r = loadArc(path, "arc", log.sink());
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].question, "Pick (A) x (B) y");
  EXPECT_EQ(r.skipped, 2);
  EXPECT_TRUE(log.anyContains(path + ":2: answerKey 'C' is not one of the choice labels"));
  EXPECT_TRUE(log.anyContains(path + ":3: field 'question' is string"));
}

TEST(Loaders, HellaSwagLabelOutOfRangeIsSkipped) {
  TempDir dir;
  const std::string path =
      dir.write("hs.jsonl", R"({"ctx":"He runs.","endings":["a","b","c","d"],"label":"2"})"
                            "\n"
                            R"({"ctx":"He runs.","endings":["a","b","c","d"],"label":4})"
                            "\n");
  WarningLog log;
  const LoadResult r = loadHellaSwag(path, log.sink());
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].final_answer, "C");
  EXPECT_TRUE(log.anyContains(path + ":2: field 'label' is 4, outside [0, 4)"));
}

TEST(Loaders, SvampBadElementNamesItsIndex) {
  TempDir dir;
  const std::string path =
      dir.write("svamp.json",
                R"([{"Body":"Ann has 3 pens.","Question":"How many?","Answer":3.0},
          {"Body":"Bob has pens.","Question":"How many?","Answer":"three"}])");
  WarningLog log;
  const LoadResult r = loadSvamp(path, log.sink());
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].question, "Ann has 3 pens. How many?");
  EXPECT_TRUE(log.anyContains(path + ": element [1]: field 'Answer' is string"));
}

TEST(Loaders, FileWithoutValidRecordIsDataErrorNamingIt) {
  TempDir dir;
  const std::string path = dir.write("mbpp.jsonl", "{\"text\": \"no code\"}\nnot json\n");
  try {
    loadMbpp(path, nullptr);
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(path + ": no valid record"), std::string::npos)
        << e.what();
  }
  const std::string empty = dir.write("empty.jsonl", "");
  EXPECT_THROW(loadGsm8k(empty, nullptr), DataError);
  EXPECT_THROW(loadSvamp(dir.write("obj.json", "{}"), nullptr), DataError);
}

TEST(Loaders, ManyBadLinesAreSummarisedNotFlooded) {
  TempDir dir;
  std::string content = "{\"text\": \"t\", \"code\": \"c\"}\n";
  for (int i = 0; i < 100; ++i) content += "garbage\n";
  WarningLog log;
  const LoadResult r = loadMbpp(dir.write("m.jsonl", content), log.sink());
  EXPECT_EQ(r.skipped, 100);
  EXPECT_LT(log.lines.size(), 30u);
  EXPECT_TRUE(log.anyContains("100 malformed records skipped"));
}

TEST(Loaders, UnopenableFileIsDataError) {
  EXPECT_THROW(loadGsm8k("/nonexistent/cog/train.jsonl", nullptr), DataError);
}

}  // namespace
}  // namespace cog::data
