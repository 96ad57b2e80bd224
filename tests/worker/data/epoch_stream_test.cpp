// Packing and sharding: chunk layout, stream contents, data-parallel equivalence of
// world 2 × batch b with world 1 × batch 2b, and rebuildability for resume.
#include "worker/data/epoch_stream.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "common/error.hpp"
#include "data_test_util.hpp"
#include "model/tokenizer/byte_tokenizer.hpp"
#include "model/tokenizer/tokenizer_factory.hpp"
#include "worker/data/data_set.hpp"

namespace cog::data {
namespace {

DataConfig syntheticConfig(int64_t count) {
  DataConfig config;
  config.val_fraction = 0.1;
  config.sources = {test::syntheticSource(count, 3)};
  config.curriculum = {{0, 16, 4, 1.0}};
  return config;
}

std::vector<int32_t> rowsOf(const TokenBatch& b, bool targets) {
  return targets ? b.targets : b.inputs;
}

TEST(EpochStream, ChunksOverlapByOneTokenAndTargetsShiftInputs) {
  const DataSet data(syntheticConfig(400), ByteTokenizer(), 64, nullptr);
  const EpochStream s = data.trainStream(0);
  ASSERT_EQ(s.seqLen(), 16);
  ASSERT_EQ(s.numChunks(), (s.numTokens() - 1) / 16);
  const auto& tokens = s.tokens();
  for (int64_t c = 0; c < s.numChunks(); ++c) {
    const std::vector<int32_t> chunk = s.chunk(c);
    ASSERT_EQ(chunk.size(), 17u);
    ASSERT_TRUE(std::equal(chunk.begin(), chunk.end(), tokens.begin() + c * 16));
  }
  const TokenBatch b = s.chunks(5, 3);
  ASSERT_EQ(b.rows, 3);
  ASSERT_EQ(b.inputs.size(), 3u * 16u);
  for (int64_t r = 0; r < 3; ++r) {
    const std::vector<int32_t> chunk = s.chunk(5 + r);
    for (int64_t t = 0; t < 16; ++t) {
      EXPECT_EQ(b.inputs[r * 16 + t], chunk[t]);
      EXPECT_EQ(b.targets[r * 16 + t], chunk[t + 1]);
    }
  }
  EXPECT_THROW(s.chunk(s.numChunks()), InvariantError);
}

TEST(EpochStream, StreamIsDrawnRecordsAsBosTextEos) {
  ByteTokenizer tok;
  const DataSet data(syntheticConfig(400), tok, 64, nullptr);
  const EpochStream s = data.trainStream(1);
  const std::vector<int64_t> drawn = data.drawEpoch(1);
  ASSERT_EQ(s.recordIds(), drawn);
  std::string expected;
  for (int64_t id : drawn) expected += data.records()[static_cast<size_t>(id)].text();
  EXPECT_EQ(tok.decode(s.tokens()), expected);
  const auto& starts = s.recordStarts();
  for (size_t i = 0; i < drawn.size(); ++i) {
    ASSERT_EQ(s.tokens()[starts[i]], tok.bosId());
    ASSERT_EQ(s.tokens()[starts[i + 1] - 1], tok.eosId());
    const std::vector<int32_t> one(s.tokens().begin() + starts[i],
                                   s.tokens().begin() + starts[i + 1]);
    ASSERT_EQ(tok.decode(one), data.records()[static_cast<size_t>(drawn[i])].text());
  }
}

TEST(EpochStream, TwoRanksOfBatchBEqualOneRankOfBatch2B) {
  const DataSet data(syntheticConfig(1500), ByteTokenizer(), 64, nullptr);
  const EpochStream s = data.trainStream(0);
  for (int64_t b : {1, 3, 4}) {
    const int64_t steps = s.stepsPerEpoch(2, b);
    ASSERT_EQ(steps, s.stepsPerEpoch(1, 2 * b));
    ASSERT_EQ(steps, s.numChunks() / (2 * b));
    ASSERT_GT(steps, 10);
    for (int64_t step : {int64_t{0}, int64_t{1}, steps / 2, steps - 1}) {
      const TokenBatch single = s.shardBatch(step, 0, 1, 2 * b);
      const TokenBatch r0 = s.shardBatch(step, 0, 2, b);
      const TokenBatch r1 = s.shardBatch(step, 1, 2, b);
      for (bool targets : {false, true}) {
        std::vector<int32_t> joined = rowsOf(r0, targets);
        const auto second = rowsOf(r1, targets);
        joined.insert(joined.end(), second.begin(), second.end());
        EXPECT_EQ(joined, rowsOf(single, targets)) << "b=" << b << " step=" << step;
      }
      EXPECT_NE(r0.inputs, r1.inputs);
    }
    EXPECT_THROW(s.shardBatch(steps, 0, 2, b), InvariantError);
    EXPECT_THROW(s.shardBatch(0, 2, 2, b), InvariantError);
  }
  // Four ranks of batch 2 cover the same rows as one of batch 8.
  const TokenBatch single = s.shardBatch(3, 0, 1, 8);
  std::vector<int32_t> joined;
  for (int64_t r = 0; r < 4; ++r) {
    const TokenBatch part = s.shardBatch(3, r, 4, 2);
    joined.insert(joined.end(), part.inputs.begin(), part.inputs.end());
  }
  EXPECT_EQ(joined, single.inputs);
}

TEST(EpochStream, EpochRebuildsIdenticallyForResume) {
  const DataSet first(syntheticConfig(600), ByteTokenizer(), 64, nullptr);
  const DataSet again(syntheticConfig(600), ByteTokenizer(), 64, nullptr);
  EXPECT_EQ(first.trainStream(4).tokens(), again.trainStream(4).tokens());
  EXPECT_NE(first.trainStream(4).tokens(), first.trainStream(5).tokens());
  const TokenBatch a = first.trainStream(4).shardBatch(7, 1, 2, 3);
  const TokenBatch b = again.trainStream(4).shardBatch(7, 1, 2, 3);
  EXPECT_EQ(a.inputs, b.inputs);
}

TEST(EpochStream, ValidationStreamIsFixedAndShardRangesCoverIt) {
  const DataSet data(syntheticConfig(2000), ByteTokenizer(), 64, nullptr);
  const EpochStream v = data.validationStream(64);
  EXPECT_EQ(v.tokens(), data.validationStream(64).tokens());
  EXPECT_EQ(v.seqLen(), 64);
  ASSERT_GT(v.numChunks(), 10);
  int64_t next = 0;
  for (int64_t r = 0; r < 3; ++r) {
    const auto [begin, end] = v.shardRange(r, 3);
    EXPECT_EQ(begin, next);
    EXPECT_GE(end - begin, v.numChunks() / 3);
    next = end;
  }
  EXPECT_EQ(next, v.numChunks());
}

TEST(EpochStream, ShortStreamHasNoChunks) {
  const EpochStream s({1, 2, 3, 4}, {0}, {0, 4}, 4);
  EXPECT_EQ(s.numChunks(), 0);
  EXPECT_EQ(s.stepsPerEpoch(1, 1), 0);
  const EpochStream exact({1, 2, 3, 4, 5}, {0}, {0, 5}, 4);
  EXPECT_EQ(exact.numChunks(), 1);
}

TEST(EpochStream, Gpt2TokensDecodeBackToRecordTexts) {
  COG_REQUIRE_SHARED_DATA();
  const auto tok = makeTokenizer(
      {"gpt2", test::sharedData("gpt2/vocab.json"), test::sharedData("gpt2/merges.txt")});
  DataConfig config;
  config.val_fraction = 0.05;
  SourceConfig gsm;
  gsm.kind = "gsm8k";
  gsm.path = test::sharedData("gsm8k/train.jsonl");
  config.sources = {gsm};
  const auto start = std::chrono::steady_clock::now();
  const DataSet data(config, *tok, 256, nullptr);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // All 7,473 records tokenized once; budget generous for a shared 2-core machine.
  EXPECT_LT(seconds, 60.0);
  for (int64_t id : {0, 1, 345, 7000}) {
    EXPECT_EQ(tok->decode(data.recordTokens(id)), data.records()[static_cast<size_t>(id)].text());
  }
  const auto rebuildStart = std::chrono::steady_clock::now();
  const EpochStream s = data.trainStream(0);
  const double rebuild =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - rebuildStart).count();
  EXPECT_LT(rebuild, 1.0);  // concatenation only: no tokenization per epoch
  EXPECT_EQ(s.tokens()[0], tok->bosId());
  std::printf("gpt2: tokenized GSM8K in %.2f s, epoch rebuild %.3f s, %lld tokens\n", seconds,
              rebuild, static_cast<long long>(s.numTokens()));
}

}  // namespace
}  // namespace cog::data
