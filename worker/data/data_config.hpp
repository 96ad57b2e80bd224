#pragma once
// The `data:` section of a job config, already parsed from YAML by the worker's config
// loader. Leaf code receives it by const&; semantic checks (unknown kind, missing file,
// unsorted curriculum) happen in DataSet/Curriculum and name the key path at fault.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cog::data {

// data.sources[i]
struct SourceConfig {
  // synthetic | gsm8k | svamp | mbpp | arc | arc_easy | arc_challenge | hellaswag | qa.
  // The three ARC kinds share one loader; the kind is what QaRecord::source reports.
  std::string kind;
  // Label in reports and per-source validation; empty means `kind`. Must be unique, so
  // two ARC files loaded side by side need names.
  std::string name;
  std::string path;        // the original file, unconverted (not used by synthetic)
  double weight = 1.0;     // draws per epoch = round(weight × training records)
  int64_t cap = 0;         // keep at most this many records (0 = all), chosen by hash
  int64_t count = 0;       // synthetic only: how many records to generate
  int max_difficulty = 4;  // synthetic: highest level generated; others: drop records above
  int min_difficulty = 1;  // synthetic: lowest level generated; others: drop records below
  uint64_t seed = 0;       // synthetic only: generator seed
  // Keep only records of these families (empty = all): synthetic's arithmetic, store,
  // recall, word and hard, or the `family` field of a qa file. A model or test that should
  // see one kind of problem (a short, low-variance micro run) names it here.
  std::vector<std::string> families;
  // data.sources[i].loss_on: "all" or "answer" for this source's records, in place of
  // data.loss_on (empty = that). Text whose continuation can be learnt, such as the second
  // mention of a name the record states first, can then train on every token while the
  // other sources score only their answers.
  std::string loss_on;
};

// data.curriculum[i]: from epoch `from_epoch` on, train with these settings.
struct CurriculumStage {
  int64_t from_epoch = 0;
  int64_t seq_len = 0;     // 0 = the model's seq_len
  int max_difficulty = 4;  // records with a higher difficulty are not drawn
  double lr_scale = 1.0;   // applied by the trainer to its schedule; data never reads it
  // data.curriculum[i].weights: source name -> weight in this stage, in place of the
  // source's own `weight` (sources not named keep theirs). A stage can then practise what
  // it adds while the earlier stages' records are only kept up, e.g. {recall: 0.25}.
  std::map<std::string, double> source_weights;
};

enum class Packing { stream, aligned, documents };

struct DataConfig {
  std::vector<SourceConfig> sources;
  double val_fraction = 0.05;               // share of each source held out, by text hash
  uint64_t seed = 1234;                     // split, caps and per-epoch shuffles derive from it
  std::vector<CurriculumStage> curriculum;  // empty = one stage at the model's seq_len
  // Which targets the loss counts: every token ("all", plain language modelling) or only
  // each record's answer and its EOS ("answer": the question is context, as in
  // supervised fine-tuning — its random operands cannot be predicted anyway).
  bool answer_only_loss = false;
  // How records are laid into training rows ("data.packing").
  // - stream: back to back, a row may start mid-record (no padding, every position is a
  //   target); a record sees the ones before it in its row, at whatever offset it landed.
  // - aligned: every row starts at a record's BOS; records are packed into a row while they
  //   fit whole and the rest of the row is PAD, which the loss skips. Aligned rows put each
  //   record where generation sees it (a prompt starts at position 0), so short Q&A records
  //   are learnt in far fewer steps with learned absolute positions; a record longer than a
  //   row still continues into the next rows.
  // - documents: laid out like aligned (a record that fits in a row is never cut), and
  //   every record is its own document: positions restart at its BOS, attention and the
  //   memory scan never cross into the record before it. Each record is then seen exactly
  //   as generation sees a prompt. Dense rows that cut records (the first version of this
  //   mode) scored a cut record's tail, often its answer, without the question before the
  //   cut: noise that slowed learn_arithmetic (see bench/learn_arithmetic.yaml).
  Packing packing = Packing::stream;
  // aligned and documents only ("data.fill_rows"): when the next record does not fit in
  // the rest of a row, the first of the next 32 that does goes first instead of padding the
  // row (rowFillingOrder in epoch_stream.hpp; level-1/2 rows of 96: 8% padding instead of
  // 24%). Off by default until the loss-rise guard stops anchoring its minimum on one noisy
  // report: the changed order turned configs/scenarios/stage_jump.yaml's micro run (batch 4)
  // into relaunches rolled back on noise. configs/demo.yaml turns it on.
  bool fill_rows = false;
};

}  // namespace cog::data
