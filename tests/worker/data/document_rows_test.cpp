// data.packing: documents — the stream is laid out exactly as with aligned packing, and every
// batch says which record each position belongs to, so the model can keep records apart.
#include <gtest/gtest.h>

#include "data_test_util.hpp"
#include "model/tokenizer/byte_tokenizer.hpp"
#include "worker/data/data_set.hpp"

namespace cog::data {
namespace {

constexpr int64_t kSeqLen = 48;

DataConfig packedConfig(Packing packing) {
  DataConfig config;
  config.sources = {test::syntheticSource(300)};
  config.sources[0].max_difficulty = 4;  // word problems longer than a row, too
  config.val_fraction = 0.1;
  config.packing = packing;
  return config;
}

TEST(DocumentRows, SegmentsGoUpByOneAtEveryRecordStartAndRestartPerRow) {
  ByteTokenizer tokenizer;
  DataSet dataset(packedConfig(Packing::documents), tokenizer, kSeqLen, silentWarningSink());
  auto stream = dataset.trainStream(0);
  ASSERT_TRUE(stream.documents());
  auto batch = stream.chunks(0, stream.numChunks());
  ASSERT_EQ(batch.segments.size(), batch.inputs.size());
  int64_t rows_starting_mid_record = 0, rows_with_several = 0;
  for (int64_t row = 0; row < batch.rows; ++row) {
    const size_t first = static_cast<size_t>(row * kSeqLen);
    EXPECT_EQ(batch.segments[first], 0) << "row " << row;
    rows_starting_mid_record += batch.inputs[first] != ByteTokenizer::kBos;
    for (int64_t t = 1; t < kSeqLen; ++t) {
      const size_t i = first + static_cast<size_t>(t);
      // Records are BOS text EOS and BOS appears nowhere else, so a new segment starts
      // exactly at a BOS.
      const int32_t step = batch.inputs[i] == ByteTokenizer::kBos ? 1 : 0;
      EXPECT_EQ(batch.segments[i], batch.segments[i - 1] + step) << "row " << row << " position " << t;
    }
    rows_with_several += batch.segments[first + kSeqLen - 1] > 0;
  }
  EXPECT_GT(rows_starting_mid_record, 0) << "a word problem longer than a row must continue into the next one";
  EXPECT_GT(rows_with_several, 0) << "short records that fit together must share a row";
}

TEST(DocumentRows, TheTokensAreTheAlignedLayoutSoNoRecordThatFitsIsCut) {
  // A cut record's tail would be scored without the question before the cut.
  ByteTokenizer tokenizer;
  DataSet documents(packedConfig(Packing::documents), tokenizer, kSeqLen, silentWarningSink());
  DataSet aligned(packedConfig(Packing::aligned), tokenizer, kSeqLen, silentWarningSink());
  DataSet stream(packedConfig(Packing::stream), tokenizer, kSeqLen, silentWarningSink());
  const EpochStream with_segments = documents.trainStream(1);
  EXPECT_EQ(with_segments.tokens(), aligned.trainStream(1).tokens());
  EXPECT_NE(with_segments.tokens(), stream.trainStream(1).tokens());
  const auto& starts = with_segments.recordStarts();
  int64_t whole = 0;
  for (size_t i = 0; i + 1 < starts.size(); ++i) {
    const int64_t length = static_cast<int64_t>(documents.recordTokens(with_segments.recordIds()[i]).size());
    if (length > kSeqLen) continue;  // longer than a row: it must continue into the next
    EXPECT_EQ(starts[i] / kSeqLen, (starts[i] + length - 1) / kSeqLen) << "record " << i << " is cut";
    ++whole;
  }
  EXPECT_GT(whole, 100);
  EXPECT_TRUE(stream.trainStream(1).chunks(0, 4).segments.empty()) << "stream packing carries no segments";
}

TEST(DocumentRows, ValidationRowsCarrySegmentsToo) {
  ByteTokenizer tokenizer;
  DataSet dataset(packedConfig(Packing::documents), tokenizer, kSeqLen, silentWarningSink());
  auto val = dataset.validationStream(kSeqLen);
  ASSERT_GT(val.numChunks(), 0);
  EXPECT_EQ(val.chunks(0, 1).segments.size(), static_cast<size_t>(kSeqLen));
}

}  // namespace
}  // namespace cog::data
