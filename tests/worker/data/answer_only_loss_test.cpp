// data.loss_on: answer — only each record's answer tokens and its EOS are scored targets;
// the question stays as context.
#include <gtest/gtest.h>

#include <algorithm>

#include "data_test_util.hpp"
#include "model/tokenizer/byte_tokenizer.hpp"
#include "worker/data/data_set.hpp"

namespace cog::data {
namespace {

// The scored flag of every target of `stream`'s first chunks, checked against what each
// record should score: everything where `whole(id)`, else its answer bytes and EOS.
// Returns how many targets are scored.
template <typename WholeRecord>
int64_t expectScoredTargets(const DataSet& dataset, const EpochStream& stream, WholeRecord whole) {
  auto batch = stream.chunks(0, stream.numChunks());
  EXPECT_EQ(batch.scored.size(), batch.targets.size());
  std::vector<uint8_t> expected_stream;
  for (int64_t id : stream.recordIds()) {
    const auto& record = dataset.records()[static_cast<size_t>(id)];
    const size_t prompt_tokens = whole(id) ? 0 : 1 + record.prompt().size();  // BOS + prompt bytes
    const size_t total = 1 + record.text().size() + 1;                          // BOS + text + EOS
    for (size_t k = 0; k < total; ++k) expected_stream.push_back(k >= prompt_tokens ? 1 : 0);
  }
  int64_t scored = 0;
  for (int64_t i = 0; i < static_cast<int64_t>(batch.scored.size()); ++i) {
    const int64_t row = i / batch.seq_len, col = i % batch.seq_len;
    const size_t stream_index = static_cast<size_t>(row * batch.seq_len + col + 1);  // targets are shifted by one
    EXPECT_EQ(batch.scored[static_cast<size_t>(i)], expected_stream[stream_index]) << "target " << i;
    if (batch.scored[static_cast<size_t>(i)] != expected_stream[stream_index]) break;
    scored += batch.scored[static_cast<size_t>(i)];
  }
  EXPECT_EQ(batch.scoredCount(), scored);
  return scored;
}

TEST(AnswerOnlyLoss, ScoresExactlyTheAnswerAndEosOfEveryRecord) {
  DataConfig config;
  config.sources = {test::syntheticSource(200)};
  config.val_fraction = 0.1;
  config.answer_only_loss = true;
  ByteTokenizer tokenizer;
  DataSet dataset(config, tokenizer, 64, silentWarningSink());
  auto stream = dataset.trainStream(0);
  const int64_t scored = expectScoredTargets(dataset, stream, [](int64_t) { return false; });
  EXPECT_GT(scored, 0);
  const auto targets = static_cast<int64_t>(stream.chunks(0, stream.numChunks()).scored.size());
  EXPECT_LT(scored, targets / 3) << "questions are longer than answers";
}

// data.sources[i].loss_on: a source's records score every token while the others score
// their answers, whichever way data.loss_on points; validation streams follow the same.
TEST(AnswerOnlyLoss, ASourceCanScoreEveryTokenBesideAnswerOnlySources) {
  for (const bool answer_only_default : {true, false}) {
    SCOPED_TRACE(answer_only_default ? "data.loss_on: answer" : "data.loss_on: all");
    DataConfig config;
    config.sources = {test::syntheticSource(150, 7, "answers"), test::syntheticSource(150, 8, "text")};
    config.sources[0].loss_on = answer_only_default ? "" : "answer";
    config.sources[1].loss_on = answer_only_default ? "all" : "";
    config.val_fraction = 0.2;
    config.answer_only_loss = answer_only_default;
    ByteTokenizer tokenizer;
    DataSet dataset(config, tokenizer, 64, silentWarningSink());
    const auto& text_ids = dataset.trainIds(1);
    auto is_text = [&](int64_t id) {
      return std::binary_search(text_ids.begin(), text_ids.end(), id) ||
             std::binary_search(dataset.validationIds(1).begin(), dataset.validationIds(1).end(), id);
    };
    auto stream = dataset.trainStream(0);
    bool saw_both = false;
    for (int64_t id : stream.recordIds()) saw_both = saw_both || is_text(id);
    ASSERT_TRUE(saw_both) << "the epoch should mix both sources";
    expectScoredTargets(dataset, stream, is_text);
    auto whole = dataset.validationStream(1, 64);
    EXPECT_EQ(expectScoredTargets(dataset, whole, is_text), whole.chunks(0, whole.numChunks()).rows * 64)
        << "the text source's validation scores every target";
  }
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
