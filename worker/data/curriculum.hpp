#pragma once
// Curriculum stages: from epoch `from_epoch` on, train on sequences of `seq_len` tokens
// drawn from records up to `max_difficulty`. Changing stage changes only what data is
// drawn; the trainer keeps optimizer state across the change and applies lr_scale to its
// schedule itself.
#include <cstdint>
#include <vector>

#include "worker/data/data_config.hpp"

namespace cog::data {

class Curriculum {
 public:
  // Stages must start at epoch 0 and have strictly increasing from_epoch, else
  // ConfigError naming `data.curriculum[i].from_epoch`. seq_len 0 becomes
  // model_seq_len; a seq_len < 0 or above model_seq_len (the model has no positions
  // beyond it), max_difficulty outside 1..4 or lr_scale ≤ 0 are ConfigErrors naming
  // their key. An empty list means one stage {0, model_seq_len, 4, 1.0}.
  Curriculum(std::vector<CurriculumStage> stages, int64_t model_seq_len);

  // The stage with the largest from_epoch ≤ epoch. Epochs count from 0.
  const CurriculumStage& stageFor(int64_t epoch) const;
  // Index into stages() of stageFor(epoch), for logs ("stage 2 from epoch 6").
  size_t stageIndexFor(int64_t epoch) const;

  const std::vector<CurriculumStage>& stages() const { return stages_; }
  int64_t modelSeqLen() const { return modelSeqLen_; }

 private:
  std::vector<CurriculumStage> stages_;
  int64_t modelSeqLen_;
};

}  // namespace cog::data
