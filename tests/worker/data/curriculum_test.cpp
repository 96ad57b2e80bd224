// Curriculum stage selection and the errors for badly ordered or out-of-range stages.
#include "worker/data/curriculum.hpp"

#include <gtest/gtest.h>

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
  const Curriculum c({{0, 64, 1, 1.0}, {3, 128, 2, 0.5}, {7, 0, 4, 0.25}}, 256);
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
  EXPECT_NE(errorOf({{1, 64, 4, 1.0}}).find("data.curriculum[0].from_epoch: 1"), std::string::npos);
  EXPECT_NE(errorOf({{0, 64, 4, 1.0}, {5, 64, 4, 1.0}, {5, 64, 4, 1.0}})
                .find("data.curriculum[2].from_epoch: 5"),
            std::string::npos);
  EXPECT_NE(errorOf({{0, 64, 4, 1.0}, {5, 64, 4, 1.0}, {2, 64, 4, 1.0}})
                .find("data.curriculum[2].from_epoch"),
            std::string::npos);
  EXPECT_NE(errorOf({{0, 512, 4, 1.0}}).find("data.curriculum[0].seq_len: 512"), std::string::npos);
  EXPECT_NE(errorOf({{0, -1, 4, 1.0}}).find("data.curriculum[0].seq_len"), std::string::npos);
  EXPECT_NE(errorOf({{0, 64, 5, 1.0}}).find("data.curriculum[0].max_difficulty"),
            std::string::npos);
  EXPECT_NE(errorOf({{0, 64, 4, 0.0}}).find("data.curriculum[0].lr_scale"), std::string::npos);
  EXPECT_EQ(errorOf({{0, 64, 4, 1.0}, {2, 128, 3, 0.5}}), "no ConfigError");
}

TEST(Curriculum, DataSetRejectsAStageThatDrawsNothing) {
  DataConfig config;
  SourceConfig hs;
  hs.kind = "hellaswag";
  hs.path = test::fixture("hellaswag_sample.jsonl");
  config.sources = {hs};
  config.val_fraction = 0.0;
  // Every fixture text is over 128 bytes (difficulty ≥ 2), so stage 1 has nothing.
  config.curriculum = {{0, 0, 4, 1.0}, {1, 0, 1, 1.0}};
  try {
    DataSet data(config, ByteTokenizer(), 64, nullptr);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("data.curriculum[1].max_difficulty"), std::string::npos)
        << e.what();
  }
  config.curriculum = {{0, 32, 4, 1.0}, {1, 0, 2, 1.0}};
  const DataSet data(config, ByteTokenizer(), 64, nullptr);
  EXPECT_EQ(data.stageFor(0).seq_len, 32);
  EXPECT_EQ(data.trainStream(0).seqLen(), 32);
  EXPECT_EQ(data.trainStream(1).seqLen(), 64);
}

}  // namespace
}  // namespace cog::data
