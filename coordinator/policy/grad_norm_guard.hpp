#pragma once
// Diverged when the pre-clip gradient norm exceeds the limit on N consecutive reports.
// Large norms are normal at the start of training (the recorded tiny runs start at ~13 and
// fall below 4 by the next report; bench/sweep_arithmetic's trials start at 12-22 and take
// 20-60 steps to fall below 10), so the first grad_norm_warmup_steps of every attempt are
// not judged; after that a run of them means clipping is all that holds the update together.
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
  void newAttempt(int64_t start_step) override;

 private:
  double limit_;
  int reports_;
  int warmup_steps_;
  int64_t attempt_start_step_ = 0;
  std::vector<std::pair<int64_t, double>>
      streak_;  // (step, norm) of the current run above the limit
};

}  // namespace cog::coord
