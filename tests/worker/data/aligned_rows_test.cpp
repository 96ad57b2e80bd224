// data.packing: aligned — every training row starts at a record's BOS, whole records are
// packed while they fit, and the padding (plus the BOS after it) is never a scored target.
#include <gtest/gtest.h>

#include <algorithm>

#include "data_test_util.hpp"
#include "model/tokenizer/byte_tokenizer.hpp"
#include "worker/data/data_set.hpp"

namespace cog::data {
namespace {

constexpr int64_t kSeqLen = 96;  // the longest level-1/2 record (recall, ~90 tokens) fits

// Levels 1-2 ("What is 25 + 17?", the store phrasing, recall): every record fits in a row.
DataConfig alignedConfig(bool answer_only, int max_difficulty = 2) {
  DataConfig config;
  config.sources = {test::syntheticSource(300)};
  config.sources[0].max_difficulty = max_difficulty;
  config.val_fraction = 0.1;
  config.packing = Packing::aligned;
  config.answer_only_loss = answer_only;
  return config;
}

TEST(AlignedRows, EveryRowStartsAtABosAndHoldsWholeRecords) {
  ByteTokenizer tokenizer;
  DataSet dataset(alignedConfig(false), tokenizer, kSeqLen, silentWarningSink());
  auto stream = dataset.trainStream(0);
  auto batch = stream.chunks(0, stream.numChunks());
  ASSERT_GT(batch.rows, 10);
  const auto& starts = stream.recordStarts();
  for (int64_t row = 0; row < batch.rows; ++row) {
    EXPECT_EQ(batch.inputs[static_cast<size_t>(row * kSeqLen)], ByteTokenizer::kBos) << "row " << row;
  }
  // Records shorter than a row never straddle a row boundary.
  for (size_t r = 0; r + 1 < starts.size(); ++r) {
    const auto length = static_cast<int64_t>(dataset.recordTokens(stream.recordIds()[r]).size());
    ASSERT_LE(length, kSeqLen) << "the synthetic records used here fit in a row";
    EXPECT_EQ(starts[r] / kSeqLen, (starts[r] + length - 1) / kSeqLen) << "record " << r;
    // Tokens between this record's EOS and the next record are all PAD.
    for (int64_t k = starts[r] + length; k < starts[r + 1]; ++k) {
      EXPECT_EQ(stream.tokens()[static_cast<size_t>(k)], ByteTokenizer::kPad);
    }
  }
}

TEST(AlignedRows, ARecordLongerThanARowStartsARowAndContinuesIntoTheNext) {
  ByteTokenizer tokenizer;
  constexpr int64_t kShortRows = 40;  // level-3 word problems are longer than this
  DataSet dataset(alignedConfig(false, 4), tokenizer, kShortRows, silentWarningSink());
  auto stream = dataset.trainStream(0);
  const auto& starts = stream.recordStarts();
  int64_t long_records = 0;
  for (size_t r = 0; r + 1 < starts.size(); ++r) {
    const auto length = static_cast<int64_t>(dataset.recordTokens(stream.recordIds()[r]).size());
    if (length <= kShortRows) continue;
    ++long_records;
    EXPECT_EQ(starts[r] % kShortRows, 0) << "record " << r << " of " << length << " tokens";
    // Its tokens are all there, in order, across the rows.
    EXPECT_GE(starts[r + 1] - starts[r], length);
  }
  EXPECT_GT(long_records, 0) << "the data must hold records longer than a row, or this test shows nothing";
}

TEST(AlignedRows, PaddingAndTheBosAfterItAreNeverScored) {
  ByteTokenizer tokenizer;
  DataSet dataset(alignedConfig(false), tokenizer, kSeqLen, silentWarningSink());
  auto stream = dataset.trainStream(0);
  auto batch = stream.chunks(0, stream.numChunks());
  int64_t padded = 0;
  for (size_t i = 0; i < batch.targets.size(); ++i) {
    const bool pad_target = batch.targets[i] == ByteTokenizer::kPad;
    const bool bos_after_pad = batch.targets[i] == ByteTokenizer::kBos && batch.inputs[i] == ByteTokenizer::kPad;
    if (pad_target || bos_after_pad) {
      EXPECT_EQ(batch.scored[i], 0) << "target " << i;
      padded += pad_target;
    } else {
      EXPECT_EQ(batch.scored[i], 1) << "target " << i << " is a real token";
    }
  }
  EXPECT_GT(padded, 0) << "some rows must need padding, or this test shows nothing";
  EXPECT_LT(padded, static_cast<int64_t>(batch.targets.size()) / 4);
}

TEST(AlignedRows, AnswerOnlyLossStillScoresOnlyAnswers) {
  ByteTokenizer tokenizer;
  DataSet dataset(alignedConfig(true), tokenizer, kSeqLen, silentWarningSink());
  auto stream = dataset.trainStream(0);
  auto batch = stream.chunks(0, stream.numChunks());
  for (size_t i = 0; i < batch.targets.size(); ++i) {
    if (batch.targets[i] == ByteTokenizer::kPad) {
      EXPECT_EQ(batch.scored[i], 0);
    }
  }
  // A record's first answer byte follows "A: "; with aligned rows it is still scored.
  int64_t scored = batch.scoredCount();
  EXPECT_GT(scored, 0);
  EXPECT_LT(scored, static_cast<int64_t>(batch.targets.size()) / 3);
}

TEST(AlignedRows, StreamPackingIsTheDefaultAndHasNoPadding) {
  DataConfig config = alignedConfig(false);
  config.packing = Packing::stream;
  ByteTokenizer tokenizer;
  DataSet dataset(config, tokenizer, kSeqLen, silentWarningSink());
  const EpochStream stream = dataset.trainStream(0);
  for (int32_t token : stream.tokens()) ASSERT_NE(token, ByteTokenizer::kPad);
}

// When the next record does not fit in the rest of a row, a later one that does goes first;
// the oldest waiting record starts the next row.
TEST(RowFillingOrder, TakesTheFirstRecordAheadThatFitsElseTheOldest) {
  // Rows of 100: 60 | 50 no, 30 fits -> 90 | 50, 40 no -> 50 starts row 2 | 40 fits.
  EXPECT_EQ(rowFillingOrder({60, 50, 30, 40}, 100, 8), (std::vector<size_t>{0, 2, 1, 3}));
  // A window of one is the drawn order.
  EXPECT_EQ(rowFillingOrder({60, 50, 30, 40}, 100, 1), (std::vector<size_t>{0, 1, 2, 3}));
  // Only `lookahead` waiting records are candidates: with 2, after 60 the window is {50, 45}
  // and neither fits, so 50 starts row 2 and the 10 that would have fitted is not seen; with 3 it is.
  EXPECT_EQ(rowFillingOrder({60, 50, 45, 10}, 100, 2), (std::vector<size_t>{0, 1, 2, 3}));
  EXPECT_EQ(rowFillingOrder({60, 50, 45, 10}, 100, 3), (std::vector<size_t>{0, 3, 1, 2}));
  // Longer than a row: it starts one and runs on, as in drawn order.
  EXPECT_EQ(rowFillingOrder({30, 150, 20}, 100, 8), (std::vector<size_t>{0, 2, 1}));
  EXPECT_TRUE(rowFillingOrder({}, 100, 8).empty());
}

// data.fill_rows on the demo's data in rows of 96: every drawn record is packed exactly
// once, and rows are filled, not padded. (Off, the drawn order is kept: the tests above.)
TEST(AlignedRows, RowsAreFilledWithEveryDrawnRecordOnce) {
  DataConfig config = alignedConfig(false);
  config.sources = {test::syntheticSource(2000)};
  config.fill_rows = true;
  ByteTokenizer tokenizer;
  DataSet dataset(config, tokenizer, kSeqLen, silentWarningSink());
  const EpochStream stream = dataset.trainStream(0);
  auto packed = stream.recordIds();
  auto drawn = dataset.drawEpoch(0);
  std::sort(packed.begin(), packed.end());
  std::sort(drawn.begin(), drawn.end());
  EXPECT_EQ(packed, drawn);
  int64_t pads = 0;
  for (int32_t token : stream.tokens()) pads += token == ByteTokenizer::kPad ? 1 : 0;
  const double pad_share = static_cast<double>(pads) / static_cast<double>(stream.numTokens());
  // The same records packed in drawn order (a window of one).
  std::vector<int64_t> lengths;
  for (int64_t id : dataset.drawEpoch(0)) lengths.push_back(static_cast<int64_t>(dataset.recordTokens(id).size()));
  int64_t drawn_size = 0, drawn_pads = 0;
  for (int64_t length : lengths) {
    const int64_t pad = padBeforeWholeRecord(drawn_size, length, kSeqLen);
    drawn_pads += pad;
    drawn_size += pad + length;
  }
  const double drawn_share = static_cast<double>(drawn_pads) / static_cast<double>(drawn_size);
  EXPECT_LT(pad_share, 0.5 * drawn_share) << pads << " PAD of " << stream.numTokens() << " tokens; in drawn order " << drawn_pads << " of " << drawn_size;
  EXPECT_LT(pad_share, 0.1);
}

}  // namespace
}  // namespace cog::data
