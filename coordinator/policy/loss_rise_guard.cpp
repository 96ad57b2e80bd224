#include "coordinator/policy/loss_rise_guard.hpp"

#include <cmath>

#include "comms/wire/metric_names.hpp"

namespace cog::coord {

LossRiseGuard::LossRiseGuard(const DivergenceConfig& config)
    : alpha_(config.loss_ema_alpha),
      warmup_reports_(config.loss_ema_warmup_reports),
      ratio_(config.loss_rise_ratio),
      rise_reports_(config.loss_rise_reports) {}

void LossRiseGuard::restartBaseline() {
  seen_ = 0;
  ema_.reset();
  minimum_ = std::numeric_limits<double>::infinity();
  minimum_step_ = 0;
  above_ = 0;
  first_above_step_ = 0;
}

void LossRiseGuard::newAttempt(int64_t start_step) {
  restartBaseline();
  seq_len_.reset();
  stage_.reset();
}

std::optional<Verdict> LossRiseGuard::onMetrics(const MetricRow& row) {
  auto loss = findScalar(row.scalars, wire::metric::kLossWindowMean);
  if (!loss) loss = findScalar(row.scalars, wire::metric::kLoss);
  // Non-finite losses are the non-finite guard's; they must not poison the EMA either.
  if (!loss || !std::isfinite(*loss)) return std::nullopt;

  // A curriculum stage change (longer sequences, harder problems) lifts the loss to a new
  // level on purpose: the baseline starts again there. A stage that also breaks training
  // (the original project's lr jump) keeps rising after the new warm-up, or trips the
  // grad-norm guard.
  const auto seq_len = findScalar(row.scalars, wire::metric::kSeqLen);
  const auto stage = findScalar(row.scalars, wire::metric::kCurriculumStage);
  if ((seq_len && seq_len_ && *seq_len != *seq_len_) || (stage && stage_ && *stage != *stage_))
    restartBaseline();
  if (seq_len) seq_len_ = seq_len;
  if (stage) stage_ = stage;

  // The warm-up reports are skipped entirely: feeding the initial descent into the EMA
  // would leave it (and so the minimum) lagging high for ~1/alpha reports.
  if (++seen_ <= warmup_reports_) return std::nullopt;
  ema_ = ema_ ? (1 - alpha_) * *ema_ + alpha_ * *loss : *loss;
  if (*ema_ < minimum_) {
    minimum_ = *ema_;
    minimum_step_ = row.step;
  }
  if (!(*ema_ > ratio_ * minimum_)) {
    above_ = 0;
    return std::nullopt;
  }
  if (above_++ == 0) first_above_step_ = row.step;
  if (above_ < rise_reports_) return std::nullopt;

  Verdict v;
  v.action = Verdict::Action::kDiverged;
  v.signal = "loss_rise";
  v.step = row.step;
  v.reason = "train-loss EMA " + formatNumber(*ema_) + " > " + formatNumber(ratio_) +
             " x its minimum " + formatNumber(minimum_) + " (step " +
             std::to_string(minimum_step_) + ") on " + std::to_string(above_) +
             " consecutive reports (steps " + std::to_string(first_above_step_) + "-" +
             std::to_string(row.step) + ")";
  v.numbers = {{"loss_ema", *ema_},
               {"loss_ema_minimum", minimum_},
               {"loss_rise_ratio", ratio_},
               {"reports", static_cast<double>(above_)}};
  return v;
}

}  // namespace cog::coord
