#pragma once
// All training data of one job: every configured source loaded, capped, split into
// training and held-out validation records, and tokenized once. Epoch streams are
// rebuilt from (config, tokenizer, epoch) alone, so a resumed run reconstructs epoch e
// exactly and continues at step k.
//
// Immutable after construction; const methods are safe from several threads.
#include <cstdint>
#include <string>
#include <vector>

#include "model/tokenizer/tokenizer.hpp"
#include "worker/data/curriculum.hpp"
#include "worker/data/data_config.hpp"
#include "worker/data/epoch_stream.hpp"
#include "worker/data/qa_record.hpp"
#include "worker/data/warning_sink.hpp"

namespace cog::data {

// Per-source counts for the startup report: loaded = filtered + capped + train + val.
struct SourceStats {
  std::string name;
  std::string kind;
  int64_t loaded = 0;    // valid records read (or generated)
  int64_t skipped = 0;   // malformed records skipped (each warned about)
  int64_t filtered = 0;  // above the source's max_difficulty
  int64_t capped = 0;    // beyond the source's cap
  int64_t train = 0;
  int64_t val = 0;
};

// "gsm8k (gsm8k): 7473 loaded, 0 skipped, 0 filtered, 0 capped -> 7105 train, 368 val"
std::string formatSourceStats(const SourceStats& stats);

class DataSet {
 public:
  // Checks the config first (ConfigError naming the key: data.val_fraction,
  // data.sources[i].*, data.curriculum[i].*), then loads every source (DataError naming
  // the file and data.sources[i].path), caps, splits and tokenizes. Malformed records go
  // to `warn`. A curriculum stage whose max_difficulty leaves no training record to draw
  // is a ConfigError naming data.curriculum[i].max_difficulty. The tokenizer is used
  // only here; it need not outlive the DataSet.
  DataSet(const DataConfig& config, const Tokenizer& tokenizer, int64_t model_seq_len,
          const WarningSink& warn);

  const Curriculum& curriculum() const { return curriculum_; }
  const CurriculumStage& stageFor(int64_t epoch) const { return curriculum_.stageFor(epoch); }

  // Record ids drawn for `epoch`, in training order (weights, or the stage's weights where
  // it names a source; stage max_difficulty; shuffle; see epoch_mixer.hpp).
  std::vector<int64_t> drawEpoch(int64_t epoch) const;
  // drawEpoch(epoch) packed at the epoch's stage seq_len.
  EpochStream trainStream(int64_t epoch) const;

  // Validation records of every source (in source order), packed at `seq_len`. Fixed:
  // no epoch, weight or curriculum affects it. Pass the same seq_len every epoch (the
  // model's) so validation losses compare across curriculum stages.
  EpochStream validationStream(int64_t seq_len) const;
  // The same for one source, for per-source validation loss.
  EpochStream validationStream(size_t source, int64_t seq_len) const;
  // Validation records of every source with difficulty <= max_difficulty: what a curriculum
  // stage trains on, so a stage's loss is compared with the same stage's loss.
  EpochStream validationStreamUpTo(int max_difficulty, int64_t seq_len) const;
  // Raw validation records of one source, for generation-based exact match.
  std::vector<QaRecord> validationRecords(size_t source) const;

  size_t numSources() const { return stats_.size(); }
  // Index of the source named `name` (SourceConfig::name, or its kind); InvariantError
  // when there is none.
  size_t sourceIndex(const std::string& name) const;
  const std::vector<SourceStats>& sourceStats() const { return stats_; }

  // Every kept record, training and validation; ids index this.
  const std::vector<QaRecord>& records() const { return records_; }
  const std::vector<int64_t>& trainIds(size_t source) const;
  const std::vector<int64_t>& validationIds(size_t source) const;
  // BOS + encode(text()) + EOS of record `id`, as cached at construction.
  std::vector<int32_t> recordTokens(int64_t id) const;

 private:
  // Per loaded record: whether only its answer is scored (its source's loss_on, or
  // data.loss_on); tokenizeAll turns that into scoredFrom_.
  std::vector<uint8_t> loadSources(const DataConfig& config, const WarningSink& warn);
  void tokenizeAll(const Tokenizer& tokenizer, const std::vector<uint8_t>& answer_only);
  void checkStagesDrawRecords() const;
  std::vector<int64_t> eligibleTrainIds(size_t source, int max_difficulty) const;
  // The source's weight in `stage`: the stage's own for it when it names the source.
  double weightIn(const CurriculumStage& stage, size_t source) const;
  // The drawn records as one stream; with data.fill_rows in rowFillingOrder, so that rows
  // are filled rather than padded.
  EpochStream pack(const std::vector<int64_t>& drawn, int64_t seq_len) const;

  Curriculum curriculum_;
  uint64_t seed_;
  bool anyAnswerOnly_ = false;  // some record scores only its answer
  bool wholeRecords_ = false;  // aligned or documents: a record that fits a row is never cut
  bool documents_ = false;
  bool fillRows_ = false;  // data.fill_rows: pack in rowFillingOrder
  int32_t padId_ = 0;
  std::vector<double> weights_;  // per source
  std::vector<SourceStats> stats_;
  std::vector<QaRecord> records_;
  std::vector<std::vector<int64_t>> trainIds_;  // per source, ascending
  std::vector<std::vector<int64_t>> valIds_;    // per source, ascending
  // Token cache: record id i spans tokens_[tokenStarts_[i], tokenStarts_[i + 1]).
  std::vector<int32_t> tokens_;
  std::vector<int64_t> tokenStarts_;
  // Per record: offset of its first scored token within its span: its first answer token
  // (after BOS + prompt) where only the answer is scored, else 0.
  std::vector<int64_t> scoredFrom_;
};

}  // namespace cog::data
