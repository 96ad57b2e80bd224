#pragma once
// What to do after a divergence verdict (DESIGN.md): roll back to the newest checkpoint
// whose validation was healthy and relaunch with adjusted hyperparameters.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/policy/policy_config.hpp"
#include "coordinator/store/records.hpp"

namespace cog::coord {

// The checkpoint to relaunch from, or nullopt = start the job from scratch. Rule:
//  1. eligible: step < diverged_at_step, marked healthy, and with a healthy validation —
//     the ValidationRow at the same step and attempt if there is one (finite val_loss, not
//     collapsed by the mode-collapse rule), else the checkpoint's own val_loss (finite). A
//     checkpoint with no validation at all is not known to be healthy and is skipped.
//  2. walking the eligible ones oldest first, one whose val_loss exceeds loss_rise_ratio x
//     the lowest val_loss of the earlier eligible ones was already on the way up before the
//     divergence was detected; the newest eligible checkpoint that is not is chosen.
// Ties on step (e.g. "best" and "epoch-0003" of one validation) go to the later row.
std::optional<CheckpointRow> chooseRollbackCheckpoint(const std::vector<CheckpointRow>& checkpoints,
                                                      const std::vector<ValidationRow>& validations,
                                                      int64_t diverged_at_step,
                                                      const DivergenceConfig& config);

// Hyperparameter changes of a relaunch relative to the job's configured values.
struct Adjustments {
  double lr_factor = 1;
  double grokfast_lambda_factor = 1;
  bool fresh_warmup = false;
};

// The adjustments of the next relaunch: factors compound (lr 0.5 -> 0.25 -> 0.125), because
// a run that diverged again at half the step size needs a smaller one still.
Adjustments nextAdjustments(const Adjustments& current, const RelaunchConfig& config);

// Worker --set overrides for a relaunch that resumes at global step `start_step` (the
// rollback checkpoint's step, 0 from scratch), in the keys cogworker's `adjust:` section
// reads (worker/config/worker_config.hpp):
//   {"adjust.lr_factor=0.5", "adjust.grokfast_lambda_factor=0.4", "adjust.warmup_from_step=787"}
// fresh_warmup becomes warmup_from_step = start_step (the worker restarts a linear warmup
// there), or -1 when off. All three are always written, so an attempt's override list
// states its adjustments completely. (The store keeps the Adjustments themselves with each
// attempt; these strings are only for the worker.)
std::vector<std::string> adjustmentOverrides(const Adjustments& adjustments, int64_t start_step);

}  // namespace cog::coord
