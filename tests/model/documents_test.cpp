// Packed documents (data.packing: documents): a document placed after others in a row must
// get exactly the outputs it gets alone at the start of a row — positions, attention, the
// LTM memory scan, the MAG gate and every refinement step all kept inside the document.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <vector>

#include "common/error.hpp"
#include "model/cognate.hpp"
#include "model/documents.hpp"
#include "model_test_util.hpp"

namespace cog::model {
namespace {

using torch::indexing::Slice;

torch::Tensor segmentsOf(const std::vector<std::vector<int64_t>>& rows) {
  std::vector<torch::Tensor> out;
  for (const auto& row : rows) out.push_back(torch::tensor(row, torch::kLong));
  return torch::stack(out);
}

// Lengths of the documents in each of two rows: 6 + 13 + 5 and 9 + 15, both 24 positions;
// the 13- and 15-token documents are longer than the test model's 8-token window.
const std::vector<std::vector<int64_t>> kLengths = {{6, 13, 5}, {9, 15}};

torch::Tensor segmentsFor(const std::vector<std::vector<int64_t>>& lengths) {
  std::vector<std::vector<int64_t>> rows;
  for (const auto& row : lengths) {
    std::vector<int64_t> ids;
    for (size_t d = 0; d < row.size(); ++d) ids.insert(ids.end(), static_cast<size_t>(row[d]), static_cast<int64_t>(d));
    rows.push_back(ids);
  }
  return segmentsOf(rows);
}

class DocumentsTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DocumentsTest, EachPackedDocumentMatchesItselfAloneAtEveryStep) {
  auto config = testing::smallConfig(GetParam());
  auto model = makeCognateModel(config);
  model->eval();
  torch::NoGradGuard no_grad;
  auto tokens = testing::randomTokens(2, 24, config.vocab_size, 5);
  ForwardOptions packed_options;
  packed_options.segments = segmentsFor(kLengths);
  auto packed = model->forward(tokens, packed_options);
  auto unmasked = model->forward(tokens);

  for (int64_t row = 0; row < 2; ++row) {
    int64_t start = 0;
    for (int64_t length : kLengths[static_cast<size_t>(row)]) {
      const auto span = Slice(start, start + length);
      auto alone = model->forward(tokens.index({Slice(row, row + 1), span}));
      for (size_t step = 0; step < alone.step_hidden.size(); ++step) {
        auto expected = model->logits(alone.step_hidden[step])[0];
        auto got = model->logits(packed.step_hidden[step][row].index({span}));
        EXPECT_LE((got - expected).abs().max().item<double>(), 1e-4)
            << "row " << row << " document at " << start << " step y" << step;
        if (start > 0) {
          // Control: without segments a later document does see the ones before it.
          auto seen = model->logits(unmasked.step_hidden[step][row].index({span}));
          EXPECT_GT((seen - expected).abs().max().item<double>(), 1e-3)
              << "row " << row << " document at " << start << " step y" << step;
        }
      }
      for (size_t step = 0; step < alone.halt_logits.size(); ++step) {
        auto diff = packed.halt_logits[step][row].index({span}) - alone.halt_logits[step][0];
        EXPECT_LE(diff.abs().max().item<double>(), 1e-4) << "halting step " << step + 1;
      }
      start += length;
    }
  }
}

TEST_P(DocumentsTest, OneDocumentPerRowIsThePlainForward) {
  auto config = testing::smallConfig(GetParam());
  auto model = makeCognateModel(config);
  model->eval();
  torch::NoGradGuard no_grad;
  auto tokens = testing::randomTokens(2, 20, config.vocab_size, 9);
  ForwardOptions one_document;
  one_document.segments = torch::zeros_like(tokens);
  auto a = model->forward(tokens, one_document);
  auto b = model->forward(tokens);
  EXPECT_TRUE(torch::allclose(a.step_hidden.back(), b.step_hidden.back(), 1e-6, 1e-6));
}

INSTANTIATE_TEST_SUITE_P(Variants, DocumentsTest,
                         ::testing::Values("reasoning", "memory", "speed", "reasoning+rope", "speed+rope"));

TEST(PositionsInDocument, CountFromEachDocumentsFirstToken) {
  auto positions = positionsInDocument(segmentsOf({{0, 0, 1, 1, 1, 2}, {0, 0, 0, 0, 0, 0}, {3, 4, 4, 4, 5, 5}}));
  auto expected = segmentsOf({{0, 1, 0, 1, 2, 0}, {0, 1, 2, 3, 4, 5}, {0, 0, 1, 2, 0, 1}});
  EXPECT_TRUE(torch::equal(positions, expected)) << positions;
}

TEST(SameDocumentMask, IsTrueExactlyWithinADocument) {
  auto mask = sameDocumentMask(segmentsOf({{0, 0, 1, 2, 2}}))[0];
  const std::vector<int64_t> doc = {0, 0, 1, 2, 2};
  for (int64_t i = 0; i < 5; ++i) {
    for (int64_t j = 0; j < 5; ++j) EXPECT_EQ(mask[i][j].item<bool>(), doc[i] == doc[j]) << i << "," << j;
  }
}

TEST(DocumentSegments, OfAnotherShapeAreRejected) {
  auto config = testing::smallConfig("speed");
  auto model = makeCognateModel(config);
  ForwardOptions options;
  options.segments = torch::zeros({2, 5}, torch::kLong);
  EXPECT_THROW(model->forward(testing::randomTokens(2, 6, config.vocab_size, 1), options), InvariantError);
}

}  // namespace
}  // namespace cog::model
