#pragma once
// Grid search: every point of the (discrete) space once, in product order — the first
// parameter varies slowest — each trained to the end. Nothing is stopped early except a
// non-finite metric.
#include "coordinator/sweep/search_state.hpp"

namespace cog::coord::sweep {

class GridSearcher : public Searcher {
 public:
  // Throws ConfigError when the space is not discrete (sweep_config checks this first).
  GridSearcher(SearchSpace space, MetricGoal goal, SweepBudget budget);

  SearcherKind kind() const override { return SearcherKind::grid; }
  std::vector<Decision> suggest(int free_slots) override;
  Decision onReport(const TrialReport& report) override;
  void onCheckpoint(TrialId trial, int64_t resource, bool healthy) override;
  void onEnded(TrialId trial, TrialEnd end) override;
  const TrialTable& trials() const override { return state_.table(); }
  nlohmann::json saveState() const override;
  void restoreState(const nlohmann::json& state) override;

 private:
  SearchState state_;
  std::vector<Point> grid_;
};

}  // namespace cog::coord::sweep
