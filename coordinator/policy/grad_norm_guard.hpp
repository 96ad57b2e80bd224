#pragma once
// Diverged when the pre-clip gradient norm exceeds the limit on N consecutive reports.
// One large norm is common early in training (the recorded tiny runs start at ~13 and
// fall below 4 by the next report); a run of them means clipping is all that holds the
// update together.
#include <utility>
#include <vector>

#include "coordinator/policy/policy.hpp"
#include "coordinator/policy/policy_config.hpp"

namespace cog::coord {

class GradNormGuard : public Policy {
 public:
  explicit GradNormGuard(const DivergenceConfig& config);
  const char* name() const override { return "grad_norm_guard"; }
  std::optional<Verdict> onMetrics(const MetricRow& row) override;
  std::optional<Verdict> onValidation(const ValidationRow&) override { return std::nullopt; }
  void newAttempt(int64_t start_step) override { streak_.clear(); }

 private:
  double limit_;
  int reports_;
  std::vector<std::pair<int64_t, double>>
      streak_;  // (step, norm) of the current run above the limit
};

}  // namespace cog::coord
