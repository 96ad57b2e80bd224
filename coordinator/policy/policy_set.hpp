#pragma once
// The enabled health policies of one job, built from config. Every report goes to every
// policy (so each keeps its state current); the first verdict in priority order wins:
// divergence detectors (non-finite, grad norm, loss rise, mode collapse) before the
// plateau rule, so a validation that is both NaN and "no improvement" is a divergence.
//
// One verdict per attempt: after a verdict the set answers nullopt until newAttempt(),
// because reports already in flight when the coordinator sends "stop" must not trigger
// a second rollback or a stop after a rollback.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/policy/policy.hpp"
#include "coordinator/policy/policy_config.hpp"

namespace cog::coord {

class PolicySet {
 public:
  explicit PolicySet(const PolicyConfig& config);

  std::optional<Verdict> onMetrics(const MetricRow& row);
  std::optional<Verdict> onValidation(const ValidationRow& row);

  // A new attempt of this job starts from a checkpoint at `start_step` (0 = from scratch):
  // see Policy::newAttempt. Clears the latched verdict.
  void newAttempt(int64_t start_step);

  // The verdict of the current attempt, if one was given.
  const std::optional<Verdict>& verdict() const { return verdict_; }
  // Names of the enabled policies in priority order (for the startup log).
  std::vector<std::string> names() const;

 private:
  template <typename Feed>
  std::optional<Verdict> feed(Feed&& each);

  std::vector<std::unique_ptr<Policy>> policies_;  // priority order
  std::optional<Verdict> verdict_;
};

}  // namespace cog::coord
