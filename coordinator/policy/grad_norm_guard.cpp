#include "coordinator/policy/grad_norm_guard.hpp"

#include "comms/wire/metric_names.hpp"

namespace cog::coord {

GradNormGuard::GradNormGuard(const DivergenceConfig& config)
    : limit_(config.grad_norm_limit),
      reports_(config.grad_norm_reports),
      warmup_steps_(config.grad_norm_warmup_steps) {}

void GradNormGuard::newAttempt(int64_t start_step) {
  attempt_start_step_ = start_step;
  streak_.clear();
}

std::optional<Verdict> GradNormGuard::onMetrics(const MetricRow& row) {
  const auto norm = findScalar(row.scalars, wire::metric::kGradNorm);
  if (!norm) return std::nullopt;  // says nothing either way; the streak stands
  // The initial descent: norms this early say nothing about divergence.
  if (row.step < attempt_start_step_ + warmup_steps_) {
    streak_.clear();
    return std::nullopt;
  }
  // A NaN norm is the non-finite guard's finding; here it only breaks the streak.
  if (!(*norm > limit_)) {
    streak_.clear();
    return std::nullopt;
  }
  streak_.emplace_back(row.step, *norm);
  // Keep only the window the rule looks at, so a caller that ignores the verdict does not
  // grow the streak without bound.
  if (static_cast<int>(streak_.size()) > reports_) streak_.erase(streak_.begin());
  if (static_cast<int>(streak_.size()) < reports_) return std::nullopt;

  Verdict v;
  v.action = Verdict::Action::kDiverged;
  v.signal = "grad_norm";
  v.step = row.step;
  std::string norms;
  for (const auto& [step, value] : streak_)
    norms += (norms.empty() ? "" : ", ") + formatNumber(value);
  v.reason = "grad_norm " + norms + " > " + formatNumber(limit_) + " on " +
             std::to_string(streak_.size()) + " consecutive reports (steps " +
             std::to_string(streak_.front().first) + "-" + std::to_string(row.step) + ")";
  v.numbers = {{"grad_norm", *norm},
               {"grad_norm_limit", limit_},
               {"reports", static_cast<double>(streak_.size())}};
  return v;
}

}  // namespace cog::coord
