// Curriculum stage selection and the errors for badly ordered or out-of-range stages.
#include "worker/data/curriculum.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "common/error.hpp"
#include "data_test_util.hpp"
#include "model/tokenizer/byte_tokenizer.hpp"
#include "worker/data/data_set.hpp"

namespace cog::data {
namespace {

std::string errorOf(std::vector<CurriculumStage> stages, int64_t model_seq_len = 256) {
  try {
    Curriculum c(std::move(stages), model_seq_len);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no ConfigError";
}

TEST(Curriculum, StageForPicksLargestStartNotAfterEpoch) {
  const Curriculum c({{0, 64, 1, 1.0, {}}, {3, 128, 2, 0.5, {}}, {7, 0, 4, 0.25, {}}}, 256);
  EXPECT_EQ(c.stageFor(0).seq_len, 64);
  EXPECT_EQ(c.stageFor(2).seq_len, 64);
  EXPECT_EQ(c.stageFor(3).seq_len, 128);
  EXPECT_EQ(c.stageFor(3).max_difficulty, 2);
  EXPECT_EQ(c.stageFor(6).lr_scale, 0.5);
  EXPECT_EQ(c.stageFor(7).seq_len, 256);  // 0 = the model's seq_len
  EXPECT_EQ(c.stageFor(1000).max_difficulty, 4);
  EXPECT_EQ(c.stageIndexFor(5), 1u);
  EXPECT_THROW(c.stageFor(-1), InvariantError);
}

TEST(Curriculum, EmptyMeansOneFullStage) {
  const Curriculum c({}, 128);
  ASSERT_EQ(c.stages().size(), 1u);
  EXPECT_EQ(c.stageFor(5).seq_len, 128);
  EXPECT_EQ(c.stageFor(5).max_difficulty, 4);
  EXPECT_EQ(c.stageFor(5).lr_scale, 1.0);
}

TEST(Curriculum, ErrorsNameTheKey) {
  EXPECT_NE(errorOf({{1, 64, 4, 1.0, {}}}).find("data.curriculum[0].from_epoch: 1"), std::string::npos);
  EXPECT_NE(errorOf({{0, 64, 4, 1.0, {}}, {5, 64, 4, 1.0, {}}, {5, 64, 4, 1.0, {}}})
                .find("data.curriculum[2].from_epoch: 5"),
            std::string::npos);
  EXPECT_NE(errorOf({{0, 64, 4, 1.0, {}}, {5, 64, 4, 1.0, {}}, {2, 64, 4, 1.0, {}}})
                .find("data.curriculum[2].from_epoch"),
            std::string::npos);
  EXPECT_NE(errorOf({{0, 512, 4, 1.0, {}}}).find("data.curriculum[0].seq_len: 512"), std::string::npos);
  EXPECT_NE(errorOf({{0, -1, 4, 1.0, {}}}).find("data.curriculum[0].seq_len"), std::string::npos);
  EXPECT_NE(errorOf({{0, 64, 5, 1.0, {}}}).find("data.curriculum[0].max_difficulty"),
            std::string::npos);
  EXPECT_NE(errorOf({{0, 64, 4, 0.0, {}}}).find("data.curriculum[0].lr_scale"), std::string::npos);
  EXPECT_EQ(errorOf({{0, 64, 4, 1.0, {}}, {2, 128, 3, 0.5, {}}}), "no ConfigError");
}

TEST(Curriculum, DataSetRejectsAStageThatDrawsNothing) {
  DataConfig config;
  SourceConfig hs;
  hs.kind = "hellaswag";
  hs.path = test::fixture("hellaswag_sample.jsonl");
  config.sources = {hs};
  config.val_fraction = 0.0;
  // Every fixture text is over 128 bytes (difficulty ≥ 2), so stage 1 has nothing.
  config.curriculum = {{0, 0, 4, 1.0, {}}, {1, 0, 1, 1.0, {}}};
  try {
    DataSet data(config, ByteTokenizer(), 64, nullptr);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("data.curriculum[1].max_difficulty"), std::string::npos)
        << e.what();
  }
  config.curriculum = {{0, 32, 4, 1.0, {}}, {1, 0, 2, 1.0, {}}};
  const DataSet data(config, ByteTokenizer(), 64, nullptr);
  EXPECT_EQ(data.stageFor(0).seq_len, 32);
  EXPECT_EQ(data.trainStream(0).seqLen(), 32);
  EXPECT_EQ(data.trainStream(1).seqLen(), 64);
}

// Two synthetic sources of level-1 records, named "first" and "second".
DataConfig twoNamedSources() {
  DataConfig config;
  for (const char* name : {"first", "second"}) {
    SourceConfig s;
    s.kind = "synthetic";
    s.name = name;
    s.count = 200;
    s.max_difficulty = 1;
    s.seed = name[0];
    config.sources.push_back(s);
  }
  config.val_fraction = 0.0;
  return config;
}

size_t drawnFrom(const DataSet& data, const std::vector<int64_t>& drawn, size_t source) {
  const auto& ids = data.trainIds(source);
  return static_cast<size_t>(std::count_if(drawn.begin(), drawn.end(), [&](int64_t id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  }));
}

TEST(Curriculum, AStageCanSetItsSourcesWeights) {
  DataConfig config = twoNamedSources();
  config.sources[1].weight = 2.0;
  CurriculumStage later{1, 0, 4, 1.0, {}};
  later.source_weights = {{"first", 0.25}};  // "second" keeps its own weight, 2
  CurriculumStage last{2, 0, 4, 1.0, {}};
  last.source_weights = {{"first", 0.0}, {"second", 0.5}};
  config.curriculum = {{0, 0, 4, 1.0, {}}, later, last};
  const DataSet data(config, ByteTokenizer(), 96, nullptr);
  const size_t first = data.sourceIndex("first"), second = data.sourceIndex("second");
  const auto epoch0 = data.drawEpoch(0), epoch1 = data.drawEpoch(1), epoch2 = data.drawEpoch(2);
  EXPECT_EQ(drawnFrom(data, epoch0, first), 200u);
  EXPECT_EQ(drawnFrom(data, epoch0, second), 400u);
  EXPECT_EQ(drawnFrom(data, epoch1, first), 50u);
  EXPECT_EQ(drawnFrom(data, epoch1, second), 400u);
  EXPECT_EQ(drawnFrom(data, epoch2, first), 0u);
  EXPECT_EQ(drawnFrom(data, epoch2, second), 100u);
  EXPECT_EQ(epoch2.size(), 100u);
}

TEST(Curriculum, StageWeightsNameOnlyExistingSourcesAndMustDrawSomething) {
  DataConfig config = twoNamedSources();
  CurriculumStage later{1, 0, 4, 1.0, {}};
  later.source_weights = {{"frist", 0.5}};
  config.curriculum = {{0, 0, 4, 1.0, {}}, later};
  try {
    DataSet data(config, ByteTokenizer(), 96, nullptr);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("data.curriculum[1].weights.frist: no source of that name "
                                         "(the sources: first, second)"),
              std::string::npos)
        << e.what();
  }
  config.curriculum[1].source_weights = {{"first", 0.0}, {"second", 0.0}};
  try {
    DataSet data(config, ByteTokenizer(), 96, nullptr);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("data.curriculum[1]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("leaves no training record"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace cog::data
