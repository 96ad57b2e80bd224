#pragma once
// What every searcher keeps and does alike, held by composition: the space, the metric, the
// budget, the random stream and the trial table; the screening of reports (late ones,
// non-finite ones); checkpoints and job ends; and the common half of the saved state. The
// searchers (grid, random, asha, pbt) add only their own rule on top.
#include <optional>

#include "coordinator/sweep/random_stream.hpp"
#include "coordinator/sweep/searcher.hpp"
#include "coordinator/sweep/searcher_config.hpp"

namespace cog::coord::sweep {

class SearchState {
 public:
  SearchState(SearchSpace space, MetricGoal goal, SweepBudget budget, uint64_t seed);

  const SearchSpace& space() const { return space_; }
  const MetricGoal& goal() const { return goal_; }
  const SweepBudget& budget() const { return budget_; }
  RandomStream& stream() { return stream_; }
  TrialTable& table() { return table_; }
  const TrialTable& table() const { return table_; }

  // Whether another trial may start under max_trials.
  bool canStartMore() const;
  // Adds a running trial with `point` and the decision that launches it.
  Decision start(Point point, int64_t until_resource, std::string reason);

  // The decision for a report that needs no searcher rule: a late report from a trial that
  // is not running (repeats its decision), or a non-finite metric (stops the trial). Otherwise
  // records resource and metric in the table and returns nothing: the searcher decides.
  std::optional<Decision> screen(const TrialReport& report);

  void recordCheckpoint(TrialId trial, int64_t resource, bool healthy);
  // A running trial becomes completed or failed. A paused trial that fails becomes failed
  // (the driver says so when its pause checkpoint cannot be resumed); otherwise a trial
  // already paused or stopped keeps its status: its job ending is the searcher's own
  // decision being carried out.
  void recordEnd(TrialId trial, TrialEnd end);

  // The ranking score (lower is better) of a trial's latest metric; the trial must have one.
  double score(const TrialRecord& record) const;

  nlohmann::json save(SearcherKind kind) const;
  // Reads back what save() wrote; throws DataError on another kind, version or space, and
  // then changes nothing.
  void restore(const nlohmann::json& state, SearcherKind kind);
  // The version and searcher kind check alone, for searchers that read their own part first.
  static void checkHeader(const nlohmann::json& state, SearcherKind kind);

 private:
  SearchSpace space_;
  MetricGoal goal_;
  SweepBudget budget_;
  RandomStream stream_;
  TrialTable table_;
};

// The decision kind that repeats a finished trial's status (late reports).
Decision repeatStatus(const TrialRecord& record, const std::string& why);
// Let `trial` train on, judged next at `until_resource` (0: not said).
Decision proceed(TrialId trial, std::string reason, int64_t until_resource = 0);

}  // namespace cog::coord::sweep
