#include "coordinator/policy/early_stopping.hpp"

#include <algorithm>
#include <limits>

#include "comms/wire/metric_names.hpp"

namespace cog::coord {

EarlyStopping::EarlyStopping(const EarlyStoppingConfig& config)
    : patience_(config.patience), min_delta_(config.min_delta) {}

void EarlyStopping::newAttempt(int64_t start_step) {
  history_.erase(std::remove_if(history_.begin(), history_.end(),
                                [&](const auto& entry) { return entry.first > start_step; }),
                 history_.end());
}

std::optional<Verdict> EarlyStopping::onValidation(const ValidationRow& row) {
  const auto val_loss = findScalar(row.scalars, wire::metric::kValLoss);
  if (!val_loss) return std::nullopt;  // a validation without a loss says nothing here
  newAttempt(row.step - 1);            // drop a superseded tail (see header)
  history_.emplace_back(row.step, *val_loss);

  // A NaN val_loss never improves (NaN < x is false): it spends patience. The non-finite
  // guard reports it as a divergence first when divergence detection is on.
  double best = std::numeric_limits<double>::infinity();
  int64_t best_step = 0;
  int stale = 0;
  for (const auto& [step, loss] : history_) {
    if (loss < best - min_delta_) {
      best = loss;
      best_step = step;
      stale = 0;
    } else {
      ++stale;
    }
  }
  if (stale < patience_) return std::nullopt;

  Verdict v;
  v.action = Verdict::Action::kEarlyStop;
  v.signal = "plateau";
  v.step = row.step;
  v.reason = "val_loss " + formatNumber(*val_loss) + " at step " + std::to_string(row.step) +
             ": no improvement by more than " + formatNumber(min_delta_) + " on best " +
             formatNumber(best) + " (step " + std::to_string(best_step) + ") for " +
             std::to_string(stale) + " validations (patience " + std::to_string(patience_) + ")";
  v.numbers = {{"val_loss", *val_loss},
               {"best_val_loss", best},
               {"best_step", static_cast<double>(best_step)},
               {"stale_validations", static_cast<double>(stale)},
               {"patience", static_cast<double>(patience_)},
               {"min_delta", min_delta_}};
  return v;
}

}  // namespace cog::coord
