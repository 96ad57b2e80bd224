#pragma once
// The coordinator's health policies (DESIGN.md "Health signals"): pure logic over the
// report stream of one job, no I/O, no clock, no torch. Each rule is one small class behind
// `Policy`; PolicySet (policy_set.hpp) feeds every report to the enabled ones. The caller
// (the coordinator's job supervisor) turns a Verdict into an action and an event row.
//
// Thread-safety: none. A Policy belongs to one job and is driven from one thread.
#include <cstdint>
#include <optional>
#include <string>

#include "coordinator/store/records.hpp"

namespace cog::coord {

struct Verdict {
  // kDiverged: stop the attempt, roll back, relaunch with adjustments (rollback.hpp).
  // kEarlyStop: the job is done; its best checkpoint is the result.
  enum class Action { kEarlyStop, kDiverged };
  Action action = Action::kDiverged;
  std::string signal;  // non_finite | grad_norm | loss_rise | mode_collapse | plateau
  std::string reason;  // one line with the numbers, for the event row and the dashboard
  int64_t step = 0;    // the step of the report that triggered it
  Scalars numbers;     // the numbers behind `reason`, for EventRow::numbers
};

// "early_stop" | "diverged": the EventRow kind for a verdict's action.
const char* actionName(Verdict::Action action);

class Policy {
 public:
  virtual ~Policy() = default;
  // Short identifier for logs ("grad_norm_guard").
  virtual const char* name() const = 0;
  // Each returns a verdict when this report completes the rule's condition, else nullopt.
  // A policy that does not read a stream returns nullopt for it.
  virtual std::optional<Verdict> onMetrics(const MetricRow& row) = 0;
  virtual std::optional<Verdict> onValidation(const ValidationRow& row) = 0;
  // A new attempt of the same job starts from a checkpoint at `start_step` (0 = from
  // scratch). Divergence detectors forget everything: their windows describe the trajectory
  // that was abandoned, and the relaunch may run with another learning rate. Early stopping
  // keeps the validations at steps <= start_step, because the new attempt continues the
  // same job from there (see early_stopping.hpp).
  virtual void newAttempt(int64_t start_step) = 0;
};

// The value of `name` in `scalars`, or nullopt when the report does not carry it. (A NaN
// value is returned as NaN: "absent" and "non-finite" mean different things here.)
std::optional<double> findScalar(const Scalars& scalars, const std::string& name);

// Compact number for reason lines: 4 significant digits, "nan"/"inf" spelled out.
std::string formatNumber(double value);

}  // namespace cog::coord
