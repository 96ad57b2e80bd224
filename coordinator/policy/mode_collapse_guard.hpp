#pragma once
// Diverged when a validation's generated answers have collapsed onto a few tokens — the
// original project's epoch-10 models answered every prompt with "::::::". Rule: one token
// above top_token_share_max of all answer tokens, more than empty_answer_share_max of the
// answers empty, or distinct-1 below distinct_1_min (off by default, see DivergenceConfig). Judged only when answers were generated (answered > 0):
// without samples the diversity numbers are zeros, not evidence.
#include "coordinator/policy/policy.hpp"
#include "coordinator/policy/policy_config.hpp"

namespace cog::coord {

// The collapse finding for one validation's scalars ("top_token_share 0.95 > 0.9"), or
// nullopt when healthy or not judged. Shared with the rollback choice (rollback.hpp).
std::optional<std::string> collapseFinding(const Scalars& validation,
                                           const DivergenceConfig& config);

class ModeCollapseGuard : public Policy {
 public:
  explicit ModeCollapseGuard(const DivergenceConfig& config) : config_(config) {}
  const char* name() const override { return "mode_collapse_guard"; }
  std::optional<Verdict> onMetrics(const MetricRow&) override { return std::nullopt; }
  std::optional<Verdict> onValidation(const ValidationRow& row) override;
  void newAttempt(int64_t start_step) override {}

 private:
  DivergenceConfig config_;
};

}  // namespace cog::coord
