#pragma once
// What a training checkpoint holds and how it is read back: model weights, optimizer state,
// the trainer's position (epoch, step in epoch, global step, best val loss), every rank's RNG
// state and the effective config, plus model.safetensors for Python users. The directory is
// written crash-safely by checkpoint::CheckpointWriter and verified on load.
#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>

#include "model/cognate.hpp"
#include "optim/mugrokfast.hpp"
#include "worker/rank_rng.hpp"

namespace cog::worker {

struct TrainerPosition {
  int64_t epoch = 0;          // epoch in progress (or the next one when step_in_epoch == 0)
  int64_t step_in_epoch = 0;  // steps of `epoch` already done
  int64_t global_step = 0;    // optimizer steps done in the whole run
  int64_t tokens_seen = 0;
  // Rows per optimizer step across all ranks when the position was saved: lets a resume at
  // another world size convert step_in_epoch into its own steps.
  int64_t global_batch = 0;
  double best_val_loss = std::numeric_limits<double>::infinity();
  double last_val_loss = std::numeric_limits<double>::quiet_NaN();
  bool finished = false;      // the run completed its epochs / max_steps
};

struct CheckpointContents {
  TrainerPosition position;
  std::string config_yaml;
  std::string tokenizer;  // name of the tokenizer the model was trained with
};

// Writes ROOT/NAME. `validation_meta` (val loss, exact match, diversity...) goes into the
// manifest so the coordinator can choose a healthy checkpoint without loading tensors.
// `rng_states` (every rank's, see rank_rng.hpp) is saved beside the optimizer state.
std::filesystem::path saveTrainingCheckpoint(const std::filesystem::path& root, const std::string& name,
                                             model::CognateModelImpl& model,
                                             const optim::MuGrokfast* optimizer,
                                             const RankRngStates& rng_states,
                                             const CheckpointContents& contents,
                                             const std::string& validation_meta_json);

// Reads the config YAML and position without touching tensors (to build the model first).
CheckpointContents readCheckpointContents(const std::filesystem::path& directory);

// Loads weights (and optimizer state when `optimizer` is given) from a verified checkpoint
// directory and returns the saved RNG states (none without `optimizer`) for the caller to
// restore (restoreRngStates): which row is this process's depends on its rank and on the
// world size the checkpoint was saved at. A checkpoint from before per-rank states holds one
// row, rank 0's. Throws CheckpointError naming what does not match.
RankRngStates loadTrainingCheckpoint(const std::filesystem::path& directory, model::CognateModelImpl& model,
                                     optim::MuGrokfast* optimizer);

// The newest usable checkpoint under ROOT by global step (nullopt when there is none).
std::optional<std::filesystem::path> newestCheckpoint(const std::filesystem::path& root);

}  // namespace cog::worker
