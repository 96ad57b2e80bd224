#pragma once
// Diverged at once when a report carries a non-finite training loss or gradient norm, or a
// validation a non-finite val_loss. The worker reports every non-finite step immediately
// (not only every log_every steps), so nothing waits for a window here. Stateless.
#include "coordinator/policy/policy.hpp"

namespace cog::coord {

class NonFiniteGuard : public Policy {
 public:
  const char* name() const override { return "non_finite_guard"; }
  std::optional<Verdict> onMetrics(const MetricRow& row) override;
  std::optional<Verdict> onValidation(const ValidationRow& row) override;
  void newAttempt(int64_t start_step) override {}
};

}  // namespace cog::coord
