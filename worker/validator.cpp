#include "worker/validator.hpp"

#include <torch/torch.h>

#include <map>
#include <set>

#include "comms/wire/metric_names.hpp"
#include "model/generation.hpp"
#include "worker/answer_match.hpp"
#include "worker/token_batch_tensors.hpp"
#include "worker/train_device.hpp"

namespace cog::worker {

double LossResult::mean() const {
  return tokens ? loss_sum / static_cast<double>(tokens) : std::numeric_limits<double>::quiet_NaN();
}

LossResult evaluateLoss(model::CognateModelImpl& model, const data::EpochStream& stream, int64_t first,
                        int64_t last, int64_t batch, int64_t max_batches) {
  const bool was_training = model.is_training();
  model.eval();
  torch::NoGradGuard no_grad;
  // Where the model is, in fp32 even when training autocasts to bf16, so val_loss stays
  // comparable across devices and precisions.
  const torch::Device device = deviceOf(model);
  LossResult result;
  int64_t batches = 0;
  for (int64_t c = first; c < last; c += batch) {
    if (max_batches > 0 && batches++ >= max_batches) break;
    const int64_t rows = std::min(batch, last - c);
    auto tensors = toTensors(stream.chunks(c, rows), device);
    // Validation scores the answer the model would give: all refinement steps, no halting
    // shortcut, so the number is comparable across epochs.
    model::ForwardOptions options;
    options.segments = tensors.segments;
    // Only the scored positions get a last answer state and logits (the others would add
    // nothing).
    const auto& scored = tensors.scored_positions;
    options.answer_positions = scored;
    auto out = model.forward(tensors.inputs, options);
    auto logits = model.logits(model::lastAnswerStates(out, scored));
    auto ce = torch::nn::functional::cross_entropy(
        logits, tensors.targets.reshape({-1}).index_select(0, scored),
        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
    result.loss_sum += ce.item<double>();
    result.tokens += scored.numel();
  }
  if (was_training) model.train();
  return result;
}

Diversity measureDiversity(const std::vector<std::vector<int64_t>>& answers) {
  std::map<int64_t, int64_t> unigram_counts;
  std::set<std::pair<int64_t, int64_t>> bigrams;
  int64_t total_tokens = 0, total_bigrams = 0;
  for (const auto& answer : answers) {
    for (size_t i = 0; i < answer.size(); ++i) {
      ++unigram_counts[answer[i]];
      ++total_tokens;
      if (i > 0) {
        bigrams.insert({answer[i - 1], answer[i]});
        ++total_bigrams;
      }
    }
  }
  Diversity d;
  if (!answers.empty()) {
    const auto empty = std::count_if(answers.begin(), answers.end(), [](const auto& a) { return a.empty(); });
    d.empty_share = static_cast<double>(empty) / static_cast<double>(answers.size());
  }
  if (total_tokens > 0) {
    int64_t top = 0;
    for (const auto& [id, count] : unigram_counts) top = std::max(top, count);
    d.distinct_1 = static_cast<double>(unigram_counts.size()) / total_tokens;
    d.top_token_share = static_cast<double>(top) / total_tokens;
  }
  if (total_bigrams > 0) d.distinct_2 = static_cast<double>(bigrams.size()) / total_bigrams;
  return d;
}

AnswerResult evaluateAnswers(model::CognateModelImpl& model, const Tokenizer& tokenizer,
                             const std::vector<data::QaRecord>& records, int64_t max_new_tokens) {
  AnswerResult result;
  std::vector<std::vector<int64_t>> answers;
  model::GenerationOptions options;
  options.max_new_tokens = max_new_tokens;
  options.stop_token = tokenizer.eosId();
  for (const auto& record : records) {
    std::vector<int64_t> prompt{tokenizer.bosId()};
    for (int32_t id : tokenizer.encode(record.prompt())) prompt.push_back(id);
    auto produced = model::generate(model, prompt, options);
    if (!produced.empty() && produced.back() == tokenizer.eosId()) produced.pop_back();
    const std::string generated = tokenizer.decode(std::vector<int32_t>(produced.begin(), produced.end()));
    const bool correct = answersMatch(extractAnswer(record.source, generated), record.final_answer);
    ++result.answered;
    result.correct += correct ? 1 : 0;
    result.correct_flexible += answersMatch(extractLastNumber(generated), record.final_answer) ? 1 : 0;
    auto count = [correct](Tally& t) {
      ++t.answered;
      t.correct += correct ? 1 : 0;
    };
    if (!record.family.empty()) count(result.by_family[record.family]);
    if (!record.operand_class.empty()) count(result.by_class[record.operand_class]);
    count(result.by_difficulty[record.difficulty]);
    result.samples.push_back({record.source, record.prompt(), generated, record.final_answer, correct});
    answers.push_back(std::move(produced));
  }
  const Diversity d = measureDiversity(answers);
  result.distinct_1 = d.distinct_1;
  result.distinct_2 = d.distinct_2;
  result.top_token_share = d.top_token_share;
  result.empty_answer_share = d.empty_share;
  return result;
}

Scalars sliceScalars(const AnswerResult& answers) {
  Scalars out;
  double weakest = 2;
  auto add = [&](const std::string& prefix, const std::map<std::string, Tally>& slices) {
    for (const auto& [name, tally] : slices) {
      out.emplace_back(prefix + name, tally.exactMatch());
      weakest = std::min(weakest, tally.exactMatch());
    }
  };
  add(wire::metric::kExactMatchFamilyPrefix, answers.by_family);
  add(wire::metric::kExactMatchClassPrefix, answers.by_class);
  if (weakest <= 1) out.emplace_back(wire::metric::kExactMatchWeakest, weakest);
  return out;
}

double exactMatchUpTo(const AnswerResult& answers, int max_difficulty) {
  Tally sum;
  for (const auto& [difficulty, tally] : answers.by_difficulty) {
    if (difficulty > max_difficulty) continue;
    sum.answered += tally.answered;
    sum.correct += tally.correct;
  }
  return sum.exactMatch();
}

std::vector<std::vector<data::QaRecord>> splitBySlice(const std::vector<data::QaRecord>& records) {
  std::map<std::pair<std::string, std::string>, size_t> index;
  std::vector<std::vector<data::QaRecord>> slices;
  for (const auto& record : records) {
    auto [it, added] = index.try_emplace({record.family, record.operand_class}, slices.size());
    if (added) slices.emplace_back();
    slices[it->second].push_back(record);
  }
  return slices;
}

data::EpochStream packRecords(const std::vector<data::QaRecord>& records, const Tokenizer& tokenizer,
                              int64_t seq_len, data::Packing packing) {
  const bool whole_records = packing != data::Packing::stream;
  std::vector<int32_t> tokens;
  std::vector<uint8_t> scored;
  std::vector<int64_t> ids, starts;
  for (size_t i = 0; i < records.size(); ++i) {
    std::vector<int32_t> record{tokenizer.bosId()};
    for (int32_t id : tokenizer.encode(records[i].text())) record.push_back(id);
    record.push_back(tokenizer.eosId());
    const int64_t length = static_cast<int64_t>(record.size());
    const int64_t pad = whole_records ? data::padBeforeWholeRecord(static_cast<int64_t>(tokens.size()), length, seq_len) : 0;
    tokens.insert(tokens.end(), static_cast<size_t>(pad), tokenizer.padId());
    scored.insert(scored.end(), static_cast<size_t>(pad), 0);
    ids.push_back(static_cast<int64_t>(i));
    starts.push_back(static_cast<int64_t>(tokens.size()));
    tokens.insert(tokens.end(), record.begin(), record.end());
    scored.insert(scored.end(), record.size(), 1);
    if (pad > 0) scored[scored.size() - record.size()] = 0;  // a BOS after PAD: nothing predicts it
  }
  starts.push_back(static_cast<int64_t>(tokens.size()));
  return data::EpochStream(std::move(tokens), std::move(ids), std::move(starts), seq_len, std::move(scored),
                           packing == data::Packing::documents);
}

std::vector<data::QaRecord> interleave(const std::vector<std::vector<data::QaRecord>>& per_source,
                                       int64_t count) {
  std::vector<data::QaRecord> out;
  std::set<std::string> asked;  // a question held out twice is answered once
  for (size_t i = 0; static_cast<int64_t>(out.size()) < count; ++i) {
    bool any = false;
    for (const auto& list : per_source) {
      if (i >= list.size()) continue;
      any = true;
      if (static_cast<int64_t>(out.size()) < count && asked.insert(list[i].prompt()).second) out.push_back(list[i]);
    }
    if (!any) break;
  }
  return out;
}

}  // namespace cog::worker
