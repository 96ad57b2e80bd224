// data.loss_on: answer — only each record's answer tokens and its EOS are scored targets;
// the question stays as context.
#include <gtest/gtest.h>

#include "data_test_util.hpp"
#include "model/tokenizer/byte_tokenizer.hpp"
#include "worker/data/data_set.hpp"

namespace cog::data {
namespace {

TEST(AnswerOnlyLoss, ScoresExactlyTheAnswerAndEosOfEveryRecord) {
  DataConfig config;
  config.sources = {test::syntheticSource(200)};
  config.val_fraction = 0.1;
  config.answer_only_loss = true;
  ByteTokenizer tokenizer;
  DataSet dataset(config, tokenizer, 64, silentWarningSink());
  auto stream = dataset.trainStream(0);
  auto batch = stream.chunks(0, stream.numChunks());
  ASSERT_EQ(batch.scored.size(), batch.targets.size());

  // Expected: walk the drawn records and mark answer bytes + EOS.
  std::vector<uint8_t> expected_stream;
  for (int64_t id : stream.recordIds()) {
    const auto& record = dataset.records()[static_cast<size_t>(id)];
    const size_t prompt_tokens = 1 + record.prompt().size();  // BOS + prompt bytes
    const size_t total = 1 + record.text().size() + 1;        // BOS + text + EOS
    for (size_t k = 0; k < total; ++k) expected_stream.push_back(k >= prompt_tokens ? 1 : 0);
  }
  int64_t scored = 0;
  for (int64_t i = 0; i < static_cast<int64_t>(batch.scored.size()); ++i) {
    const int64_t row = i / batch.seq_len, col = i % batch.seq_len;
    const size_t stream_index = static_cast<size_t>(row * batch.seq_len + col + 1);  // targets are shifted by one
    ASSERT_EQ(batch.scored[static_cast<size_t>(i)], expected_stream[stream_index]) << "target " << i;
    scored += batch.scored[static_cast<size_t>(i)];
  }
  EXPECT_GT(scored, 0);
  EXPECT_LT(scored, static_cast<int64_t>(batch.scored.size()) / 3) << "questions are longer than answers";
  EXPECT_EQ(batch.scoredCount(), scored);
}

TEST(AnswerOnlyLoss, OffByDefaultEveryTargetScored) {
  DataConfig config;
  config.sources = {test::syntheticSource(100)};
  ByteTokenizer tokenizer;
  DataSet dataset(config, tokenizer, 64, silentWarningSink());
  auto batch = dataset.trainStream(0).chunks(0, 2);
  EXPECT_EQ(batch.scoredCount(), batch.rows * batch.seq_len);
}

}  // namespace
}  // namespace cog::data
