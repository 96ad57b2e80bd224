#include "coordinator/sweep/grid_searcher.hpp"

#include "common/error.hpp"

namespace cog::coord::sweep {

GridSearcher::GridSearcher(SearchSpace space, MetricGoal goal, SweepBudget budget)
    : state_(std::move(space), std::move(goal), budget, /*seed=*/0) {
  if (!state_.space().discrete()) {
    throw ConfigError(
        "grid searcher: every parameter must be choice, int or qint (a continuous one has no "
        "grid)");
  }
  grid_ = state_.space().grid();
}

std::vector<Decision> GridSearcher::suggest(int free_slots) {
  std::vector<Decision> out;
  while (free_slots-- > 0 && state_.table().size() < grid_.size() && state_.canStartMore()) {
    const size_t index = state_.table().size();
    out.push_back(state_.start(
        grid_[index], state_.budget().max_per_trial,
        "grid point " + std::to_string(index + 1) + " of " + std::to_string(grid_.size())));
  }
  return out;
}

Decision GridSearcher::onReport(const TrialReport& report) {
  if (auto screened = state_.screen(report)) return *screened;
  return proceed(report.trial, "grid trials train to the end", state_.budget().max_per_trial);
}

void GridSearcher::onCheckpoint(TrialId trial, int64_t resource, bool healthy) {
  state_.recordCheckpoint(trial, resource, healthy);
}

void GridSearcher::onEnded(TrialId trial, TrialEnd end) { state_.recordEnd(trial, end); }

nlohmann::json GridSearcher::saveState() const { return state_.save(kind()); }

void GridSearcher::restoreState(const nlohmann::json& state) { state_.restore(state, kind()); }

}  // namespace cog::coord::sweep
