// Validation with data.packing: documents scores each record as if it were alone: a record
// packed after another gets exactly the loss it gets at the start of its own row. This is
// the wiring test (packRecords -> TokenBatch::segments -> toTensors -> ForwardOptions); the
// model-level equivalence is tests/model/documents_test.cpp.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <vector>

#include "model/cognate.hpp"
#include "model/tokenizer/byte_tokenizer.hpp"
#include "worker/validator.hpp"

namespace cog::worker {
namespace {

model::ModelConfig smallModel() {
  auto c = model::makeModelConfig("tiny", "memory");
  c.d_model = 32;
  c.n_layers = 1;
  c.n_heads = 2;
  c.head_dim = 16;
  c.d_ff = 64;
  c.d_mem = 16;
  c.max_seq_len = 128;
  c.attention_window = 128;
  c.dropout = 0.0;
  c.validate();
  return c;
}

// Summed cross-entropy of the final answer state for `targets` given `inputs`, one row.
double summedLoss(model::CognateModelImpl& net, const std::vector<int64_t>& inputs,
                  const std::vector<int64_t>& targets) {
  auto out = net.forward(torch::tensor(inputs, torch::kLong).unsqueeze(0));
  auto logits = net.logits(out.step_hidden.back())[0];
  return torch::nn::functional::cross_entropy(
             logits, torch::tensor(targets, torch::kLong),
             torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
      .item<double>();
}

std::vector<int64_t> encodeRecord(const ByteTokenizer& tok, const data::QaRecord& record) {
  std::vector<int64_t> ids = {tok.bosId()};
  for (int32_t id : tok.encode(record.text())) ids.push_back(id);
  ids.push_back(tok.eosId());
  return ids;
}

TEST(DocumentLoss, EachPackedRecordIsScoredAsIfAlone) {
  torch::NoGradGuard no_grad;
  auto net = model::makeCognateModel(smallModel());
  net->eval();
  ByteTokenizer tok;
  data::QaRecord a{"synthetic", "What is 25 + 17?", "42", "42", 2, "arithmetic", "two_digit"};
  data::QaRecord b{"synthetic", "If a store has 15 apples and sells 7, how many are left?", "8", "8", 3,
                   "word", ""};
  data::QaRecord c{"synthetic", "What is 3 + 4?", "7", "7", 1, "arithmetic", "one_digit"};
  const auto ta = encodeRecord(tok, a), tb = encodeRecord(tok, b);
  // Chunk 0's inputs are A and B whole; its last target is the BOS of C, which starts chunk 1.
  const int64_t seq_len = static_cast<int64_t>(ta.size() + tb.size());

  // Alone, each record predicts its own tokens and then the BOS that follows it.
  auto targetsThenBos = [&](const std::vector<int64_t>& t) {
    std::vector<int64_t> targets(t.begin() + 1, t.end());
    targets.push_back(tok.bosId());
    return targets;
  };
  const double expected = summedLoss(*net, ta, targetsThenBos(ta)) + summedLoss(*net, tb, targetsThenBos(tb));

  auto documents = packRecords({a, b, c}, tok, seq_len, data::Packing::documents);
  ASSERT_EQ(documents.numChunks(), 1);
  auto packed = evaluateLoss(*net, documents, 0, 1, 1, 0);
  EXPECT_EQ(packed.tokens, seq_len);
  EXPECT_NEAR(packed.loss_sum, expected, 1e-3 * expected);

  // Control: without segments B sees A, and the sum differs.
  auto stream = packRecords({a, b, c}, tok, seq_len, data::Packing::stream);
  EXPECT_GT(std::abs(evaluateLoss(*net, stream, 0, 1, 1, 0).loss_sum - expected), 1e-2);
}

}  // namespace
}  // namespace cog::worker
