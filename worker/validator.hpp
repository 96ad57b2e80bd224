#pragma once
// Honest held-out validation (the original project's was a hard-coded 2.5): loss and
// perplexity on packed held-out tokens, exact match of greedy answers to held-out questions,
// and the diversity of those answers — the mode-collapse signals (distinct-1/2, top-token
// share) that would have flagged a model answering every prompt with "::::::".
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/cognate.hpp"
#include "model/tokenizer/tokenizer.hpp"
#include "worker/data/data_config.hpp"
#include "worker/data/epoch_stream.hpp"
#include "worker/data/qa_record.hpp"
#include "worker/report/reporter.hpp"

namespace cog::worker {

struct LossResult {
  double loss_sum = 0;  // summed final-step cross-entropy over scored tokens
  int64_t tokens = 0;
  double mean() const;
};

// Final-answer cross-entropy over the scored targets of chunks [first, last) of `stream`, `batch` chunks at a time
// (at most max_batches batches when > 0), in eval mode without gradients, on the model's
// device and in fp32.
LossResult evaluateLoss(model::CognateModelImpl& model, const data::EpochStream& stream, int64_t first,
                        int64_t last, int64_t batch, int64_t max_batches);

// Exact match over one slice of the answered questions.
struct Tally {
  int64_t answered = 0;
  int64_t correct = 0;
  double exactMatch() const { return answered ? static_cast<double>(correct) / answered : 0.0; }
};

struct AnswerResult {
  int64_t answered = 0;
  int64_t correct = 0;
  // Scored on the last number of each answer instead (extractLastNumber): for GSM8K, the
  // flexible score beside the strict "####" one; for one-line sources it forgives a
  // continuation that adds words after the number.
  int64_t correct_flexible = 0;
  // The same answers counted per slice, so 1.000 overall cannot hide a class never asked
  // or never learnt: per record family and operand class (records that have one, see
  // QaRecord), and per difficulty (curriculum stages group these).
  std::map<std::string, Tally> by_family;
  std::map<std::string, Tally> by_class;
  std::map<int, Tally> by_difficulty;
  double distinct_1 = 0;
  double distinct_2 = 0;
  double top_token_share = 0;
  double empty_answer_share = 0;
  std::vector<AnswerSample> samples;
  double exactMatch() const { return answered ? static_cast<double>(correct) / answered : 0.0; }
  double flexibleMatch() const { return answered ? static_cast<double>(correct_flexible) / answered : 0.0; }
};

// Greedy answers to `records` (prompt "Q: ... A:", stop at EOS or max_new_tokens), compared
// with each record's final answer; diversity is measured on the generated answer tokens.
AnswerResult evaluateAnswers(model::CognateModelImpl& model, const Tokenizer& tokenizer,
                             const std::vector<data::QaRecord>& records, int64_t max_new_tokens);

// exact_match.family.<f> and exact_match.class.<c> for every slice answered, and
// exact_match.weakest, the lowest of them (none when no record has a family or class).
Scalars sliceScalars(const AnswerResult& answers);

// Exact match over the answered records with difficulty <= max_difficulty (0 when none).
double exactMatchUpTo(const AnswerResult& answers, int max_difficulty);

// Splits records into slices by (family, operand class), each in its original order, so that
// interleave() asks every slice a fair share of the questions.
std::vector<std::vector<data::QaRecord>> splitBySlice(const std::vector<data::QaRecord>& records);

struct Diversity {
  double distinct_1 = 0;       // unique tokens / tokens
  double distinct_2 = 0;       // unique bigrams / bigrams (within an answer)
  double top_token_share = 0;  // count of the most frequent token / tokens
  double empty_share = 0;      // answers without a token / answers
};
// Pooled over every answer: a collapsed model ("::::::" for everything) has distinct-1
// near 0 and a top-token share near 1; one that answers nothing has an empty share near 1
// (and no tokens, so a top-token share of 0).
Diversity measureDiversity(const std::vector<std::vector<int64_t>>& answers);

// Packs records as BOS + text + EOS into one stream laid out as training's `packing` lays it
// (every text token scored): aligned and documents keep a record that fits in a row whole,
// and documents batches carry segments.
data::EpochStream packRecords(const std::vector<data::QaRecord>& records, const Tokenizer& tokenizer,
                              int64_t seq_len, data::Packing packing);

// Takes up to `count` distinct questions round-robin across the lists (one source each),
// so every source is represented in the answered sample.
std::vector<data::QaRecord> interleave(const std::vector<std::vector<data::QaRecord>>& per_source,
                                       int64_t count);

}  // namespace cog::worker
