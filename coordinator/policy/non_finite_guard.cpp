#include "coordinator/policy/non_finite_guard.hpp"

#include <cmath>
#include <initializer_list>

#include "comms/wire/metric_names.hpp"

namespace cog::coord {
namespace {

// The first of `names` present in `scalars` with a non-finite value. Absent names are not
// a finding: a report without grad_norm says nothing about gradients.
std::optional<Verdict> check(const Scalars& scalars, std::initializer_list<const char*> names,
                             int64_t step, const char* what) {
  for (const char* name : names) {
    const auto value = findScalar(scalars, name);
    if (!value || std::isfinite(*value)) continue;
    Verdict v;
    v.action = Verdict::Action::kDiverged;
    v.signal = "non_finite";
    v.step = step;
    v.reason = std::string(what) + " " + name + " = " + formatNumber(*value) + " at step " +
               std::to_string(step) + ": training diverged";
    v.numbers = {{name, *value}};
    return v;
  }
  return std::nullopt;
}

}  // namespace

std::optional<Verdict> NonFiniteGuard::onMetrics(const MetricRow& row) {
  // loss_window_mean too: it averages every step since the last report, so it keeps a
  // non-finite step that `loss` (the last step only) may no longer show.
  return check(row.scalars,
               {wire::metric::kLoss, wire::metric::kGradNorm, wire::metric::kLossWindowMean},
               row.step, "train");
}

std::optional<Verdict> NonFiniteGuard::onValidation(const ValidationRow& row) {
  return check(row.scalars, {wire::metric::kValLoss}, row.step, "validation");
}

}  // namespace cog::coord
