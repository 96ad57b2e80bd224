#include "coordinator/policy/rollback.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "coordinator/policy/mode_collapse_guard.hpp"

namespace cog::coord {
namespace {

// The val_loss a checkpoint is judged by, or nullopt when it is not eligible.
std::optional<double> healthyValLoss(const CheckpointRow& checkpoint,
                                     const std::vector<ValidationRow>& validations,
                                     const DivergenceConfig& config) {
  for (const auto& validation : validations) {
    if (validation.step != checkpoint.step || validation.attempt != checkpoint.attempt) continue;
    const auto val_loss = findScalar(validation.scalars, "val_loss");
    if (!val_loss || !std::isfinite(*val_loss)) return std::nullopt;
    if (collapseFinding(validation.scalars, config)) return std::nullopt;
    return *val_loss;
  }
  if (!std::isfinite(checkpoint.val_loss)) return std::nullopt;
  return checkpoint.val_loss;
}

// Full precision without float noise: 0.4 * 0.4 prints as 0.16, not 0.16000000000000003.
std::string formatFactor(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.10g", value);
  return buffer;
}

}  // namespace

std::optional<CheckpointRow> chooseRollbackCheckpoint(const std::vector<CheckpointRow>& checkpoints,
                                                      const std::vector<ValidationRow>& validations,
                                                      int64_t diverged_at_step,
                                                      const DivergenceConfig& config) {
  struct Candidate {
    const CheckpointRow* row;
    double val_loss;
  };
  std::vector<Candidate> eligible;
  for (const auto& checkpoint : checkpoints) {
    if (checkpoint.step >= diverged_at_step || !checkpoint.healthy) continue;
    if (const auto val_loss = healthyValLoss(checkpoint, validations, config)) {
      eligible.push_back({&checkpoint, *val_loss});
    }
  }
  // Oldest first; stable so that equal steps keep their input order (the later row wins).
  std::stable_sort(eligible.begin(), eligible.end(), [](const Candidate& a, const Candidate& b) {
    return a.row->step < b.row->step;
  });

  const CheckpointRow* chosen = nullptr;
  double lowest_before = std::numeric_limits<double>::infinity();
  for (const auto& candidate : eligible) {
    if (!(candidate.val_loss > config.loss_rise_ratio * lowest_before)) chosen = candidate.row;
    lowest_before = std::min(lowest_before, candidate.val_loss);
  }
  if (!chosen) return std::nullopt;
  return *chosen;
}

Adjustments nextAdjustments(const Adjustments& current, const RelaunchConfig& config) {
  Adjustments next;
  next.lr_factor = current.lr_factor * config.lr_factor;
  next.grokfast_lambda_factor = current.grokfast_lambda_factor * config.grokfast_lambda_factor;
  next.fresh_warmup = config.fresh_warmup;
  return next;
}

std::vector<std::string> adjustmentOverrides(const Adjustments& adjustments, int64_t start_step) {
  const int64_t warmup_from = adjustments.fresh_warmup ? start_step : -1;
  return {"adjust.lr_factor=" + formatFactor(adjustments.lr_factor),
          "adjust.grokfast_lambda_factor=" + formatFactor(adjustments.grokfast_lambda_factor),
          "adjust.warmup_from_step=" + std::to_string(warmup_from)};
}

}  // namespace cog::coord
