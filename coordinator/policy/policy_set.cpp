#include "coordinator/policy/policy_set.hpp"

#include "coordinator/policy/early_stopping.hpp"
#include "coordinator/policy/grad_norm_guard.hpp"
#include "coordinator/policy/loss_rise_guard.hpp"
#include "coordinator/policy/mode_collapse_guard.hpp"
#include "coordinator/policy/non_finite_guard.hpp"

namespace cog::coord {

PolicySet::PolicySet(const PolicyConfig& config) {
  if (config.divergence.enabled) {
    policies_.push_back(std::make_unique<NonFiniteGuard>());
    policies_.push_back(std::make_unique<GradNormGuard>(config.divergence));
    policies_.push_back(std::make_unique<LossRiseGuard>(config.divergence));
    policies_.push_back(std::make_unique<ModeCollapseGuard>(config.divergence));
  }
  if (config.early_stopping.enabled) {
    policies_.push_back(std::make_unique<EarlyStopping>(config.early_stopping));
  }
}

template <typename Feed>
std::optional<Verdict> PolicySet::feed(Feed&& each) {
  if (verdict_) return std::nullopt;
  std::optional<Verdict> first;
  for (auto& policy : policies_) {
    auto verdict = each(*policy);
    if (verdict && !first) first = std::move(verdict);
  }
  verdict_ = first;
  return first;
}

std::optional<Verdict> PolicySet::onMetrics(const MetricRow& row) {
  return feed([&](Policy& p) { return p.onMetrics(row); });
}

std::optional<Verdict> PolicySet::onValidation(const ValidationRow& row) {
  return feed([&](Policy& p) { return p.onValidation(row); });
}

void PolicySet::newAttempt(int64_t start_step) {
  verdict_.reset();
  for (auto& policy : policies_) policy->newAttempt(start_step);
}

std::vector<std::string> PolicySet::names() const {
  std::vector<std::string> out;
  for (const auto& policy : policies_) out.emplace_back(policy->name());
  return out;
}

}  // namespace cog::coord
