#include "worker/data/data_set.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/enforce.hpp"
#include "common/error.hpp"
#include "worker/data/epoch_mixer.hpp"
#include "worker/data/held_out_split.hpp"
#include "worker/data/source_loader.hpp"

namespace cog::data {
namespace {

// How far ahead packing looks for a record that fills the rest of a row: with level-1/2
// records (28-90 tokens) in rows of 96, 32 leave 8% of the stream as padding against 24%
// in drawn order (4: 14%, 128: 7%), while a record moves only a few rows.
constexpr size_t kRowFillingLookahead = 32;

// Runs before any member is built so a bad fraction fails before minutes of loading.
const std::vector<CurriculumStage>& checkedStages(const DataConfig& config) {
  if (!(config.val_fraction >= 0.0 && config.val_fraction < 1.0)) {
    throw ConfigError("data.val_fraction: " + std::to_string(config.val_fraction) +
                      " outside [0, 1)");
  }
  validateSources(config.sources);
  for (size_t i = 0; i < config.curriculum.size(); ++i) {
    for (const auto& entry : config.curriculum[i].source_weights) {
      // A named reference, not a structured binding: C++17 lambdas cannot capture those.
      const std::string& name = entry.first;
      const bool known = std::any_of(config.sources.begin(), config.sources.end(),
                                     [&](const SourceConfig& s) { return sourceName(s) == name; });
      if (known) continue;
      std::string names;
      for (const SourceConfig& s : config.sources) names += (names.empty() ? "" : ", ") + sourceName(s);
      throw ConfigError("data.curriculum[" + std::to_string(i) + "].weights." + name +
                        ": no source of that name (the sources: " + names + ")");
    }
  }
  return config.curriculum;
}

// Indices of the records a cap keeps, in file order: the `cap` smallest capKeys (ties by
// position). Hash-chosen rather than the first `cap` lines so the kept set does not
// depend on file order, which many dumps sort by topic or length.
std::vector<size_t> cappedIndices(const std::vector<QaRecord>& records, int64_t cap,
                                  uint64_t seed) {
  std::vector<size_t> idx(records.size());
  std::iota(idx.begin(), idx.end(), 0);
  if (cap <= 0 || static_cast<size_t>(cap) >= records.size()) return idx;
  std::vector<uint64_t> keys(records.size());
  for (size_t i = 0; i < records.size(); ++i) keys[i] = capKey(records[i].text(), seed);
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return keys[a] < keys[b]; });
  idx.resize(static_cast<size_t>(cap));
  std::sort(idx.begin(), idx.end());
  return idx;
}

}  // namespace

std::string formatSourceStats(const SourceStats& s) {
  return s.name + " (" + s.kind + "): " + std::to_string(s.loaded) + " loaded, " +
         std::to_string(s.skipped) + " skipped, " + std::to_string(s.filtered) + " filtered, " +
         std::to_string(s.capped) + " capped -> " + std::to_string(s.train) + " train, " +
         std::to_string(s.val) + " val";
}

DataSet::DataSet(const DataConfig& config, const Tokenizer& tokenizer, int64_t model_seq_len,
                 const WarningSink& warn)
    : curriculum_(checkedStages(config), model_seq_len),
      seed_(config.seed),
      wholeRecords_(config.packing == Packing::aligned || config.packing == Packing::documents),
      documents_(config.packing == Packing::documents),
      fillRows_(config.fill_rows && config.packing != Packing::stream),
      padId_(tokenizer.padId()) {
  const std::vector<uint8_t> answer_only = loadSources(config, warn);
  checkStagesDrawRecords();
  tokenizeAll(tokenizer, answer_only);
}

std::vector<uint8_t> DataSet::loadSources(const DataConfig& config, const WarningSink& warn) {
  std::vector<uint8_t> answer_only_records;
  for (size_t s = 0; s < config.sources.size(); ++s) {
    const SourceConfig& source = config.sources[s];
    SourceLoad loaded = loadSource(source, s, warn);
    std::vector<QaRecord>& records = loaded.load.records;
    SourceStats stats;
    stats.name = sourceName(source);
    stats.kind = source.kind;
    stats.skipped = loaded.load.skipped;
    stats.filtered = loaded.filtered;
    stats.loaded = static_cast<int64_t>(records.size()) + stats.filtered;
    const std::vector<size_t> kept = cappedIndices(records, source.cap, seed_);
    stats.capped = static_cast<int64_t>(records.size() - kept.size());
    std::vector<int64_t> train;
    std::vector<int64_t> val;
    const bool answer_only = source.loss_on.empty() ? config.answer_only_loss : source.loss_on == "answer";
    anyAnswerOnly_ = anyAnswerOnly_ || (answer_only && !kept.empty());
    for (size_t i : kept) {
      answer_only_records.push_back(answer_only ? 1 : 0);
      const int64_t id = static_cast<int64_t>(records_.size());
      (isHeldOut(records[i].text(), seed_, config.val_fraction) ? val : train).push_back(id);
      records_.push_back(std::move(records[i]));
    }
    stats.train = static_cast<int64_t>(train.size());
    stats.val = static_cast<int64_t>(val.size());
    stats_.push_back(std::move(stats));
    trainIds_.push_back(std::move(train));
    valIds_.push_back(std::move(val));
    weights_.push_back(source.weight);
  }
  return answer_only_records;
}

// Tokenized once here so building an epoch is only concatenation: GPT-2 BPE over all of
// GSM8K takes seconds, an epoch rebuild must not.
void DataSet::tokenizeAll(const Tokenizer& tokenizer, const std::vector<uint8_t>& answer_only) {
  tokenStarts_.reserve(records_.size() + 1);
  tokenStarts_.push_back(0);
  for (size_t r = 0; r < records_.size(); ++r) {
    const QaRecord& record = records_[r];
    const std::vector<int32_t> ids = tokenizer.encode(record.text());
    // text() = prompt() + " " + answer; both tokenizers split at that space, so the prompt's
    // own tokens are a prefix of the text's (checked: a mismatch scores the whole record).
    const std::vector<int32_t> prompt = tokenizer.encode(record.prompt());
    const bool prefix = prompt.size() <= ids.size() && std::equal(prompt.begin(), prompt.end(), ids.begin());
    scoredFrom_.push_back(!answer_only[r] ? 0 : prefix ? 1 + static_cast<int64_t>(prompt.size()) : 1);
    tokens_.push_back(tokenizer.bosId());
    tokens_.insert(tokens_.end(), ids.begin(), ids.end());
    tokens_.push_back(tokenizer.eosId());
    tokenStarts_.push_back(static_cast<int64_t>(tokens_.size()));
  }
}

void DataSet::checkStagesDrawRecords() const {
  const auto& stages = curriculum_.stages();
  for (size_t i = 0; i < stages.size(); ++i) {
    int64_t draws = 0;
    for (size_t s = 0; s < numSources(); ++s) {
      draws += drawCount(static_cast<int64_t>(eligibleTrainIds(s, stages[i].max_difficulty).size()),
                         weightIn(stages[i], s));
    }
    if (draws == 0) {
      throw ConfigError("data.curriculum[" + std::to_string(i) +
                        "].max_difficulty: " + std::to_string(stages[i].max_difficulty) +
                        " leaves no training record to draw (check the sources' weights, the "
                        "stage's weights and the difficulties)");
    }
  }
}

double DataSet::weightIn(const CurriculumStage& stage, size_t source) const {
  auto named = stage.source_weights.find(stats_[source].name);
  return named == stage.source_weights.end() ? weights_[source] : named->second;
}

std::vector<int64_t> DataSet::eligibleTrainIds(size_t source, int max_difficulty) const {
  std::vector<int64_t> ids;
  for (int64_t id : trainIds_[source]) {
    if (records_[static_cast<size_t>(id)].difficulty <= max_difficulty) ids.push_back(id);
  }
  return ids;
}

std::vector<int64_t> DataSet::drawEpoch(int64_t epoch) const {
  const CurriculumStage& stage = curriculum_.stageFor(epoch);
  std::vector<SourceDraw> draws(numSources());
  for (size_t s = 0; s < numSources(); ++s) {
    draws[s].eligible = eligibleTrainIds(s, stage.max_difficulty);
    draws[s].weight = weightIn(stage, s);
  }
  return mixEpoch(draws, seed_, epoch);
}

EpochStream DataSet::trainStream(int64_t epoch) const {
  return pack(drawEpoch(epoch), curriculum_.stageFor(epoch).seq_len);
}

EpochStream DataSet::validationStream(int64_t seq_len) const {
  std::vector<int64_t> ids;
  for (const auto& val : valIds_) ids.insert(ids.end(), val.begin(), val.end());
  return pack(ids, seq_len);
}

EpochStream DataSet::validationStream(size_t source, int64_t seq_len) const {
  return pack(validationIds(source), seq_len);
}

EpochStream DataSet::validationStreamUpTo(int max_difficulty, int64_t seq_len) const {
  std::vector<int64_t> ids;
  for (const auto& val : valIds_) {
    for (int64_t id : val) {
      if (records_[static_cast<size_t>(id)].difficulty <= max_difficulty) ids.push_back(id);
    }
  }
  return pack(ids, seq_len);
}

std::vector<QaRecord> DataSet::validationRecords(size_t source) const {
  std::vector<QaRecord> out;
  for (int64_t id : validationIds(source)) out.push_back(records_[static_cast<size_t>(id)]);
  return out;
}

size_t DataSet::sourceIndex(const std::string& name) const {
  for (size_t s = 0; s < stats_.size(); ++s) {
    if (stats_[s].name == name) return s;
  }
  throw InvariantError("DataSet::sourceIndex: no source named '" + name + "'");
}

const std::vector<int64_t>& DataSet::trainIds(size_t source) const {
  COG_ENFORCE_LT(source, numSources());
  return trainIds_[source];
}

const std::vector<int64_t>& DataSet::validationIds(size_t source) const {
  COG_ENFORCE_LT(source, numSources());
  return valIds_[source];
}

std::vector<int32_t> DataSet::recordTokens(int64_t id) const {
  COG_ENFORCE_GE(id, 0);
  COG_ENFORCE_LT(id, static_cast<int64_t>(records_.size()));
  const size_t i = static_cast<size_t>(id);
  return std::vector<int32_t>(tokens_.begin() + tokenStarts_[i],
                              tokens_.begin() + tokenStarts_[i + 1]);
}

EpochStream DataSet::pack(const std::vector<int64_t>& drawn, int64_t seq_len) const {
  COG_ENFORCE_GE(seq_len, 1);
  auto length_of = [&](int64_t id) { return tokenStarts_[static_cast<size_t>(id) + 1] - tokenStarts_[static_cast<size_t>(id)]; };
  std::vector<int64_t> ids = drawn;
  if (fillRows_) {
    std::vector<int64_t> lengths;
    lengths.reserve(drawn.size());
    for (int64_t id : drawn) lengths.push_back(length_of(id));
    const auto order = rowFillingOrder(lengths, seq_len, kRowFillingLookahead);
    for (size_t k = 0; k < order.size(); ++k) ids[k] = drawn[order[k]];
  }
  const bool track_scored = anyAnswerOnly_ || wholeRecords_;
  size_t unpadded = 0;
  for (int64_t id : ids) {
    unpadded += static_cast<size_t>(length_of(id));
  }
  std::vector<int32_t> stream;
  std::vector<uint8_t> scored;
  std::vector<int64_t> starts;
  stream.reserve(unpadded);
  if (track_scored) scored.reserve(unpadded);
  starts.reserve(ids.size() + 1);
  for (int64_t id : ids) {
    const size_t i = static_cast<size_t>(id);
    const int64_t length = tokenStarts_[i + 1] - tokenStarts_[i];
    const int64_t pad = wholeRecords_ ? padBeforeWholeRecord(static_cast<int64_t>(stream.size()), length, seq_len) : 0;
    const bool after_pad = pad > 0;
    stream.insert(stream.end(), static_cast<size_t>(pad), padId_);
    scored.insert(scored.end(), static_cast<size_t>(pad), 0);
    starts.push_back(static_cast<int64_t>(stream.size()));
    stream.insert(stream.end(), tokens_.begin() + tokenStarts_[i], tokens_.begin() + tokenStarts_[i + 1]);
    if (!track_scored) continue;
    // A BOS after padding is not predictable from its context, so it is no target either.
    for (int64_t k = 0; k < length; ++k) {
      scored.push_back(k >= scoredFrom_[i] && !(k == 0 && after_pad) ? 1 : 0);
    }
  }
  starts.push_back(static_cast<int64_t>(stream.size()));
  return EpochStream(std::move(stream), ids, std::move(starts), seq_len, std::move(scored), documents_);
}

}  // namespace cog::data
