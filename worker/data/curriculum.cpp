#include "worker/data/curriculum.hpp"

#include <string>

#include "common/error.hpp"

namespace cog::data {
namespace {

std::string key(size_t index, const char* field) {
  return "data.curriculum[" + std::to_string(index) + "]." + field;
}

}  // namespace

Curriculum::Curriculum(std::vector<CurriculumStage> stages, int64_t model_seq_len)
    : stages_(std::move(stages)), modelSeqLen_(model_seq_len) {
  if (model_seq_len < 1) {
    throw InvariantError("Curriculum: model seq_len " + std::to_string(model_seq_len) + " < 1");
  }
  if (stages_.empty()) stages_.push_back(CurriculumStage{0, model_seq_len, 4, 1.0, {}});
  for (size_t i = 0; i < stages_.size(); ++i) {
    CurriculumStage& s = stages_[i];
    if (i == 0 && s.from_epoch != 0) {
      throw ConfigError(key(i, "from_epoch") + ": " + std::to_string(s.from_epoch) +
                        "; the first stage must start at epoch 0");
    }
    if (i > 0 && s.from_epoch <= stages_[i - 1].from_epoch) {
      throw ConfigError(key(i, "from_epoch") + ": " + std::to_string(s.from_epoch) +
                        " is not after the previous stage's " +
                        std::to_string(stages_[i - 1].from_epoch) +
                        "; stages must be sorted by from_epoch");
    }
    if (s.seq_len == 0) s.seq_len = model_seq_len;
    if (s.seq_len < 0 || s.seq_len > model_seq_len) {
      throw ConfigError(key(i, "seq_len") + ": " + std::to_string(s.seq_len) + " outside 1.." +
                        std::to_string(model_seq_len) + " (the model's seq_len; 0 = that)");
    }
    if (s.max_difficulty < 1 || s.max_difficulty > 4) {
      throw ConfigError(key(i, "max_difficulty") + ": " + std::to_string(s.max_difficulty) +
                        " outside 1..4");
    }
    if (!(s.lr_scale > 0)) {
      throw ConfigError(key(i, "lr_scale") + ": " + std::to_string(s.lr_scale) + " must be > 0");
    }
  }
}

size_t Curriculum::stageIndexFor(int64_t epoch) const {
  if (epoch < 0)
    throw InvariantError("Curriculum::stageFor: epoch " + std::to_string(epoch) + " < 0");
  size_t found = 0;
  for (size_t i = 0; i < stages_.size() && stages_[i].from_epoch <= epoch; ++i) found = i;
  return found;
}

const CurriculumStage& Curriculum::stageFor(int64_t epoch) const {
  return stages_[stageIndexFor(epoch)];
}

}  // namespace cog::data
