#include "coordinator/sweep/random_searcher.hpp"

namespace cog::coord::sweep {

RandomSearcher::RandomSearcher(SearchSpace space, MetricGoal goal, SweepBudget budget,
                               uint64_t seed)
    : state_(std::move(space), std::move(goal), budget, seed) {}

std::vector<Decision> RandomSearcher::suggest(int free_slots) {
  std::vector<Decision> out;
  while (free_slots-- > 0 && state_.canStartMore()) {
    Point point = state_.space().sample(state_.stream());
    out.push_back(state_.start(std::move(point), state_.budget().max_per_trial, "random draw"));
  }
  return out;
}

Decision RandomSearcher::onReport(const TrialReport& report) {
  if (auto screened = state_.screen(report)) return *screened;
  return proceed(report.trial, "random trials train to the end", state_.budget().max_per_trial);
}

void RandomSearcher::onCheckpoint(TrialId trial, int64_t resource, bool healthy) {
  state_.recordCheckpoint(trial, resource, healthy);
}

void RandomSearcher::onEnded(TrialId trial, TrialEnd end) { state_.recordEnd(trial, end); }

nlohmann::json RandomSearcher::saveState() const { return state_.save(kind()); }

void RandomSearcher::restoreState(const nlohmann::json& state) { state_.restore(state, kind()); }

}  // namespace cog::coord::sweep
