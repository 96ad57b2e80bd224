// Per-epoch mixing: draw counts per weight, subsample and repeat rules, determinism, and
// the curriculum's difficulty filter applied through DataSet.
#include "worker/data/epoch_mixer.hpp"

#include <gtest/gtest.h>

#include <map>
#include <numeric>
#include <set>

#include "data_test_util.hpp"
#include "model/tokenizer/byte_tokenizer.hpp"
#include "worker/data/data_set.hpp"

namespace cog::data {
namespace {

std::vector<int64_t> range(int64_t first, int64_t n) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), first);
  return v;
}

std::map<int64_t, int> countsOf(const std::vector<int64_t>& ids) {
  std::map<int64_t, int> c;
  for (int64_t id : ids) ++c[id];
  return c;
}

TEST(EpochMixer, DrawCountIsRoundedWeightTimesSize) {
  EXPECT_EQ(drawCount(100, 0.5), 50);
  EXPECT_EQ(drawCount(10, 0.34), 3);
  EXPECT_EQ(drawCount(10, 0.36), 4);
  EXPECT_EQ(drawCount(30, 2.5), 75);
  EXPECT_EQ(drawCount(30, 0.0), 0);
}

TEST(EpochMixer, SubsamplesBelowOneAndRepeatsAboveOne) {
  const std::vector<SourceDraw> sources = {
      {range(0, 100), 0.5}, {range(1000, 30), 2.5}, {range(5000, 7), 0.0}};
  const auto order = mixEpoch(sources, 42, 0);
  ASSERT_EQ(order.size(), 50u + 75u);
  const auto counts = countsOf(order);
  int fromA = 0;
  int thrice = 0;
  for (const auto& [id, n] : counts) {
    ASSERT_LT(id, 5000) << "a weight-0 source was drawn";
    if (id < 1000) {
      ++fromA;
      EXPECT_EQ(n, 1) << "weight < 1 must draw without replacement";
    } else {
      EXPECT_TRUE(n == 2 || n == 3) << id << " drawn " << n;
      thrice += n == 3;
    }
  }
  EXPECT_EQ(fromA, 50);
  EXPECT_EQ(thrice, 15);  // 75 = 2 × 30 + 15
}

TEST(EpochMixer, DeterministicPerEpochAndDifferentAcrossEpochs) {
  const std::vector<SourceDraw> sources = {{range(0, 200), 0.5}, {range(1000, 50), 1.0}};
  EXPECT_EQ(mixEpoch(sources, 7, 3), mixEpoch(sources, 7, 3));
  const auto e0 = mixEpoch(sources, 7, 0);
  const auto e1 = mixEpoch(sources, 7, 1);
  EXPECT_NE(e0, e1);
  // The half-sample of the first source changes between epochs too.
  std::set<int64_t> a0, a1;
  for (int64_t id : e0)
    if (id < 1000) a0.insert(id);
  for (int64_t id : e1)
    if (id < 1000) a1.insert(id);
  EXPECT_EQ(a0.size(), 100u);
  EXPECT_NE(a0, a1);
  // Sources are interleaved, not concatenated.
  size_t firstB = 0;
  while (e0[firstB] < 1000) ++firstB;
  EXPECT_LT(firstB, 20u);
  EXPECT_NE(mixEpoch(sources, 8, 0), e0);
}

TEST(EpochMixer, DataSetAppliesWeightsCapsAndStageDifficulty) {
  DataConfig config;
  config.val_fraction = 0.1;
  config.sources = {test::syntheticSource(500, 1, "a"), test::syntheticSource(300, 2, "b")};
  config.sources[0].cap = 200;
  config.sources[1].weight = 2.0;
  config.curriculum = {{0, 0, 2, 1.0}, {2, 0, 4, 0.5}};
  const DataSet data(config, ByteTokenizer(), 64, nullptr);
  const SourceStats& a = data.sourceStats()[0];
  const SourceStats& b = data.sourceStats()[1];
  EXPECT_EQ(a.loaded, 500);
  EXPECT_EQ(a.capped, 300);
  EXPECT_EQ(a.train + a.val, 200);
  EXPECT_EQ(b.train + b.val, 300);

  // Epoch 2 onwards: every difficulty, source b twice.
  const auto late = data.drawEpoch(2);
  EXPECT_EQ(static_cast<int64_t>(late.size()), a.train + 2 * b.train);
  // Epochs 0-1: only difficulty ≤ 2 (half of each synthetic source), all of it drawn.
  const auto early = data.drawEpoch(0);
  int64_t eligibleA = 0;
  int64_t eligibleB = 0;
  for (int64_t id : data.trainIds(0))
    eligibleA += data.records()[static_cast<size_t>(id)].difficulty <= 2;
  for (int64_t id : data.trainIds(1))
    eligibleB += data.records()[static_cast<size_t>(id)].difficulty <= 2;
  EXPECT_GT(eligibleA, 0);
  EXPECT_LT(eligibleA, a.train);
  EXPECT_EQ(static_cast<int64_t>(early.size()), eligibleA + 2 * eligibleB);
  for (int64_t id : early) EXPECT_LE(data.records()[static_cast<size_t>(id)].difficulty, 2);
  // Validation records are never drawn for training.
  std::set<int64_t> val(data.validationIds(0).begin(), data.validationIds(0).end());
  val.insert(data.validationIds(1).begin(), data.validationIds(1).end());
  for (int64_t id : late) EXPECT_EQ(val.count(id), 0u);
}

}  // namespace
}  // namespace cog::data
