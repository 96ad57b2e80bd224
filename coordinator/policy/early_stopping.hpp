#pragma once
// Early stop when val_loss has not improved by more than min_delta on `patience`
// consecutive validations. As in Keras/Lightning, the best value moves only on an
// improvement larger than min_delta, so a slow creep of tiny gains still counts as a
// plateau.
//
// Across attempts: a restart (crash) or relaunch (divergence rollback) continues the same
// job from a checkpoint, so its plateau state must carry over — but only the part of the
// history the new attempt did not undo. The state is therefore kept as the job's
// validation history, ordered by step, and best/patience are recomputed from it:
//   - newAttempt(start_step) forgets validations after start_step (the new attempt will
//     redo those steps and validate again);
//   - a validation at or before the newest recorded step replaces the history from that
//     step on (a re-sent or re-run validation is not counted twice).
// A relaunch with a lower learning rate thus keeps the best val_loss and the patience
// already spent up to the rollback checkpoint, and cannot gain patience by diverging.
#include <utility>
#include <vector>

#include "coordinator/policy/policy.hpp"
#include "coordinator/policy/policy_config.hpp"

namespace cog::coord {

class EarlyStopping : public Policy {
 public:
  explicit EarlyStopping(const EarlyStoppingConfig& config);
  const char* name() const override { return "early_stopping"; }
  std::optional<Verdict> onMetrics(const MetricRow&) override { return std::nullopt; }
  std::optional<Verdict> onValidation(const ValidationRow& row) override;
  void newAttempt(int64_t start_step) override;

  // The validation history the decision rests on: (step, val_loss), ordered by step.
  const std::vector<std::pair<int64_t, double>>& history() const { return history_; }

 private:
  int patience_;
  double min_delta_;
  std::vector<std::pair<int64_t, double>> history_;
};

}  // namespace cog::coord
