#pragma once
// Random search: each new trial draws every parameter independently from the stream (in the
// space's order), up to max_trials, each trained to the end. The same seed gives the same
// trials; nothing is stopped early except a non-finite metric.
#include "coordinator/sweep/search_state.hpp"

namespace cog::coord::sweep {

class RandomSearcher : public Searcher {
 public:
  RandomSearcher(SearchSpace space, MetricGoal goal, SweepBudget budget, uint64_t seed);

  SearcherKind kind() const override { return SearcherKind::random; }
  std::vector<Decision> suggest(int free_slots) override;
  Decision onReport(const TrialReport& report) override;
  void onCheckpoint(TrialId trial, int64_t resource, bool healthy) override;
  void onEnded(TrialId trial, TrialEnd end) override;
  const TrialTable& trials() const override { return state_.table(); }
  nlohmann::json saveState() const override;
  void restoreState(const nlohmann::json& state) override;

 private:
  SearchState state_;
};

}  // namespace cog::coord::sweep
