// The held-out split: no text in both train and validation, the requested fraction, and
// independence from file order and caps. Also per-source counts and config errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "common/error.hpp"
#include "data_test_util.hpp"
#include "model/tokenizer/byte_tokenizer.hpp"
#include "worker/data/data_set.hpp"

namespace cog::data {
namespace {

using test::sharedData;
using test::syntheticSource;
using test::TempDir;
using test::WarningLog;

constexpr int64_t kSeqLen = 64;

SourceConfig fileSource(const std::string& kind, const std::string& path, int64_t cap = 0) {
  SourceConfig s;
  s.kind = kind;
  s.path = path;
  s.cap = cap;
  return s;
}

std::set<std::string> texts(const DataSet& data, const std::vector<int64_t>& ids) {
  std::set<std::string> out;
  for (int64_t id : ids) out.insert(data.records()[static_cast<size_t>(id)].text());
  return out;
}

std::set<std::string> allTexts(const DataSet& data, bool validation) {
  std::set<std::string> out;
  for (size_t s = 0; s < data.numSources(); ++s) {
    const auto t = texts(data, validation ? data.validationIds(s) : data.trainIds(s));
    out.insert(t.begin(), t.end());
  }
  return out;
}

DataSet build(const DataConfig& config) {
  return DataSet(config, ByteTokenizer(), kSeqLen, nullptr);
}

TEST(DataSetSplit, ValidationNeverSharesATextWithTraining) {
  COG_REQUIRE_SHARED_DATA();
  DataConfig config;
  config.val_fraction = 0.1;
  // 3000 synthetic records hold many exact duplicates (level 1 has ~150 distinct
  // questions), which is what could leak if the split went by position.
  config.sources = {fileSource("svamp", sharedData("svamp/SVAMP.json")), syntheticSource(3000)};
  const DataSet data = build(config);
  const auto& syn = data.sourceStats()[1];
  ASSERT_LT(texts(data, data.trainIds(1)).size() + texts(data, data.validationIds(1)).size(),
            static_cast<size_t>(syn.train + syn.val));  // duplicates really exist
  const auto train = allTexts(data, false);
  const auto val = allTexts(data, true);
  ASSERT_FALSE(val.empty());
  for (const auto& t : val) EXPECT_EQ(train.count(t), 0u) << t;
}

TEST(DataSetSplit, HoldsOutRoughlyTheRequestedFraction) {
  COG_REQUIRE_SHARED_DATA();
  DataConfig config;
  config.val_fraction = 0.1;
  config.sources = {fileSource("gsm8k", sharedData("gsm8k/train.jsonl"))};
  const DataSet data = build(config);
  const SourceStats& s = data.sourceStats()[0];
  EXPECT_EQ(s.loaded, 7473);
  EXPECT_EQ(s.train + s.val, 7473);
  const double fraction = static_cast<double>(s.val) / 7473.0;
  EXPECT_GT(fraction, 0.085);
  EXPECT_LT(fraction, 0.115);
  EXPECT_EQ(formatSourceStats(s),
            "gsm8k (gsm8k): 7473 loaded, 0 skipped, 0 filtered, 0 capped -> " +
                std::to_string(s.train) + " train, " + std::to_string(s.val) + " val");
}

TEST(DataSetSplit, StableUnderReorderingAndCapsButNotSeed) {
  COG_REQUIRE_SHARED_DATA();
  TempDir dir;
  std::vector<std::string> lines = test::readLines(sharedData("gsm8k/train.jsonl"));
  std::reverse(lines.begin(), lines.end());
  std::string reversed;
  for (const auto& l : lines) reversed += l + "\n";
  const std::string reversedPath = dir.write("reversed.jsonl", reversed);

  DataConfig config;
  config.val_fraction = 0.1;
  config.sources = {fileSource("gsm8k", sharedData("gsm8k/train.jsonl"))};
  const DataSet original = build(config);
  config.sources = {fileSource("gsm8k", reversedPath)};
  const DataSet reordered = build(config);
  EXPECT_EQ(allTexts(original, true), allTexts(reordered, true));
  EXPECT_EQ(allTexts(original, false), allTexts(reordered, false));

  // A cap keeps a subset; every kept record stays on its side, and the cap's choice is
  // independent of the split (still about 10% validation).
  config.sources = {fileSource("gsm8k", reversedPath, 2000)};
  const DataSet capped = build(config);
  const SourceStats& s = capped.sourceStats()[0];
  EXPECT_EQ(s.train + s.val, 2000);
  EXPECT_EQ(s.capped, 7473 - 2000);
  EXPECT_GT(s.val, 120);
  EXPECT_LT(s.val, 280);
  const auto origVal = allTexts(original, true);
  const auto origTrain = allTexts(original, false);
  for (const auto& t : allTexts(capped, true)) EXPECT_EQ(origVal.count(t), 1u);
  for (const auto& t : allTexts(capped, false)) EXPECT_EQ(origTrain.count(t), 1u);
  // The cap picks the same records whatever the file order.
  config.sources = {fileSource("gsm8k", sharedData("gsm8k/train.jsonl"), 2000)};
  const DataSet cappedOriginalOrder = build(config);
  EXPECT_EQ(allTexts(capped, true), allTexts(cappedOriginalOrder, true));
  EXPECT_EQ(allTexts(capped, false), allTexts(cappedOriginalOrder, false));

  // The seed does move the split, so the checks above are not vacuous.
  config.sources = {fileSource("gsm8k", sharedData("gsm8k/train.jsonl"))};
  config.seed = 99;
  EXPECT_NE(allTexts(build(config), true), origVal);
}

TEST(DataSetSplit, ValidationRecordsAndStreamsPerSource) {
  DataConfig config;
  config.val_fraction = 0.2;
  config.sources = {syntheticSource(300, 1, "easy"),
                    fileSource("hellaswag", test::fixture("hellaswag_sample.jsonl"))};
  config.sources[1].weight = 0.0;
  const DataSet data = build(config);
  EXPECT_EQ(data.sourceIndex("hellaswag"), 1u);
  EXPECT_THROW(data.sourceIndex("nope"), InvariantError);
  const size_t easy = data.sourceIndex("easy");
  const auto records = data.validationRecords(easy);
  ASSERT_EQ(records.size(), data.validationIds(easy).size());
  ASSERT_GT(records.size(), 30u);
  ByteTokenizer tok;
  const EpochStream stream = data.validationStream(easy, 32);
  std::string expected;
  for (const auto& r : records) expected += r.text();
  EXPECT_EQ(tok.decode(stream.tokens()), expected);
  // The combined stream is every source's validation records, source by source.
  const EpochStream all = data.validationStream(32);
  EXPECT_EQ(all.recordIds().size(), data.validationIds(0).size() + data.validationIds(1).size());
}

// The demo's held-out split (2% of 6000 records at levels 1-2) keeps every family and
// operand class, and a stage's validation stream holds exactly its difficulties.
TEST(DataSetSplit, HeldOutKeepsEveryFamilyAndClassAndStagesFilterByDifficulty) {
  DataConfig config;
  config.val_fraction = 0.02;
  config.sources = {syntheticSource(6000)};
  config.sources[0].max_difficulty = 2;
  const DataSet data = build(config);
  std::map<std::string, int> families, classes;
  int level_one = 0;
  for (const auto& r : data.validationRecords(0)) {
    ++families[r.family];
    if (!r.operand_class.empty()) ++classes[r.operand_class];
    level_one += r.difficulty == 1;
  }
  for (const char* f : {"arithmetic", "store", "recall"}) EXPECT_GE(families[f], 20) << f;
  for (const char* c : {"one_digit", "two_digit", "mixed"}) EXPECT_GE(classes[c], 10) << c;
  EXPECT_EQ(data.validationStreamUpTo(1, 96).recordIds().size(), static_cast<size_t>(level_one));
  EXPECT_EQ(data.validationStreamUpTo(2, 96).recordIds().size(), data.validationIds(0).size());
  EXPECT_EQ(data.validationStreamUpTo(2, 96).tokens(), data.validationStream(96).tokens());
}

TEST(DataSetErrors, MissingFileNamesPathAndKey) {
  DataConfig config;
  config.sources = {syntheticSource(10), fileSource("gsm8k", "/nonexistent/gsm8k/train.jsonl")};
  try {
    build(config);
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("data.sources[1].path"), std::string::npos) << msg;
    EXPECT_NE(msg.find("/nonexistent/gsm8k/train.jsonl"), std::string::npos) << msg;
  }
}

TEST(DataSetErrors, FileWithoutValidRecordNamesFileAndKey) {
  TempDir dir;
  DataConfig config;
  config.sources = {fileSource("mbpp", dir.write("bad.jsonl", "nope\n"))};
  WarningLog log;
  try {
    DataSet(config, ByteTokenizer(), kSeqLen, log.sink());
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("data.sources[0].path"), std::string::npos) << msg;
    EXPECT_NE(msg.find("bad.jsonl: no valid record"), std::string::npos) << msg;
  }
  EXPECT_TRUE(log.anyContains("bad.jsonl:1: bad JSON"));
}

std::string configErrorOf(const DataConfig& config) {
  try {
    build(config);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no ConfigError";
}

// data.sources[i].families keeps only the named families; the filtered ones are counted,
// and a list that keeps nothing is an error naming the key and the families present.
TEST(DataSetSplit, FamiliesKeepOnlyTheNamedFamilies) {
  DataConfig config;
  config.sources = {syntheticSource(900)};
  config.sources[0].max_difficulty = 1;
  config.sources[0].families = {"arithmetic"};
  const DataSet data = build(config);
  ASSERT_GT(data.records().size(), 200u);
  ASSERT_LT(data.records().size(), 400u);  // one family of three at level 1
  for (const auto& r : data.records()) EXPECT_EQ(r.family, "arithmetic") << r.question;

  config.sources[0].families = {"recall", "store"};
  const DataSet others = build(config);
  for (const auto& r : others.records()) EXPECT_NE(r.family, "arithmetic") << r.question;

  config.sources[0].families = {"arithmetc"};
  const std::string msg = configErrorOf(config);
  EXPECT_NE(msg.find("data.sources[0].families: [arithmetc] keeps none of the 900 records"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("arithmetic, recall, store"), std::string::npos) << msg;
}

TEST(DataSetErrors, BadSourceConfigNamesTheKey) {
  DataConfig config;
  config.sources = {syntheticSource(10), syntheticSource(10)};
  EXPECT_NE(configErrorOf(config).find("data.sources[1].name: duplicate source name 'synthetic'"),
            std::string::npos);
  config.sources = {syntheticSource(0)};
  EXPECT_NE(configErrorOf(config).find("data.sources[0].count"), std::string::npos);
  config.sources = {fileSource("gsm8kk", "x")};
  EXPECT_NE(configErrorOf(config).find("data.sources[0].kind: unknown source kind 'gsm8kk'"),
            std::string::npos);
  config.sources = {syntheticSource(10)};
  config.sources[0].weight = -1;
  EXPECT_NE(configErrorOf(config).find("data.sources[0].weight"), std::string::npos);
  config.sources = {syntheticSource(10)};
  config.val_fraction = 1.0;
  EXPECT_NE(configErrorOf(config).find("data.val_fraction"), std::string::npos);
  config.val_fraction = 0.05;
  config.sources = {};
  EXPECT_NE(configErrorOf(config).find("data.sources"), std::string::npos);
  // HellaSwag fixture texts are all longer than 128 bytes: level 1 keeps none.
  config.sources = {fileSource("hellaswag", test::fixture("hellaswag_sample.jsonl"))};
  config.sources[0].max_difficulty = 1;
  EXPECT_NE(configErrorOf(config).find("data.sources[0].max_difficulty"), std::string::npos);
}

}  // namespace
}  // namespace cog::data
