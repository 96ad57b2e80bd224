#pragma once
// Asynchronous successive halving (ASHA; Li et al., "A System for Massively Parallel
// Hyperparameter Tuning", MLSys 2020, Algorithm 2). Rung k is reached after grace * eta^k
// units (the rungs below max_per_trial; a trial promoted from the last one trains to the
// end). A result counts at the highest rung its resource has reached and the trial has no
// result in yet, so a repeated report (a restarted job re-reporting an epoch) is not judged
// twice, and a report that skips a rung is judged at the higher one.
//
// Two modes (AshaConfig::mode):
// - stop: judged on arrival against the results the rung holds so far, itself included (n).
//   rank = 1 + the number of results strictly better; the trial goes on when rank <=
//   max(1, floor(n / eta)), otherwise it stops. "At least one" lets the first arrival go on
//   (there is nothing yet to compare it with, as in Ray Tune, whose cut-off is the 1 - 1/eta
//   percentile of earlier results); ties with the cut-off go on.
// - promote: the paper's algorithm. A trial reaching a rung pauses there with a checkpoint.
//   Whenever a slot is free, the best candidate of the highest rung that has one is promoted
//   and resumes from its checkpoint: a candidate is among the first floor(n / eta) of its rung
//   (ordered by score, then by arrival: ties go to the earlier result) and not yet promoted.
//   Only when no rung has one does a new trial start. Once max_trials are started (the bottom
//   rung grows no more) a rung's candidates are at least its best, max(1, floor(n / eta)), so
//   that a rung with fewer than eta results does not strand its leader paused with the budget
//   unspent; stop mode keeps at least one from the start. The reporting trial is itself treated
//   as a freed slot: if it is the next promotion it goes on without the pause/resume round
//   trip, else it pauses. Results arriving late can make a paused trial a candidate; a trial
//   promoted earlier stays promoted (the paper's accepted mispromotions).
//
// Failed and non-finite trials: a finite result recorded before a failure stays in its rung
// (it is a real observation and keeps the cut-off honest) but the trial is never promoted;
// a non-finite result never enters a rung.
#include <set>

#include "coordinator/sweep/search_state.hpp"

namespace cog::coord::sweep {

// The rung milestones grace * eta^k that lie below `max_resource`.
std::vector<int64_t> ashaMilestones(int64_t grace, int eta, int64_t max_resource);

class AshaSearcher : public Searcher {
 public:
  struct RungEntry {
    TrialId trial = 0;
    double score = 0;  // lower is better (MetricGoal::score)
    int64_t seq = 0;   // arrival order over all rungs: the tie-break
  };
  struct Rung {
    int64_t milestone = 0;
    std::vector<RungEntry> entries;  // in arrival order
    std::set<TrialId> promoted;      // promote mode: trials sent on from this rung
  };

  AshaSearcher(SearchSpace space, MetricGoal goal, SweepBudget budget, AshaConfig config,
               uint64_t seed);

  SearcherKind kind() const override { return SearcherKind::asha; }
  std::vector<Decision> suggest(int free_slots) override;
  Decision onReport(const TrialReport& report) override;
  void onCheckpoint(TrialId trial, int64_t resource, bool healthy) override;
  void onEnded(TrialId trial, TrialEnd end) override;
  const TrialTable& trials() const override { return state_.table(); }
  nlohmann::json saveState() const override;
  void restoreState(const nlohmann::json& state) override;

  const std::vector<Rung>& rungs() const { return rungs_; }

 private:
  struct Promotion {
    TrialId trial;
    size_t rung;
  };
  Decision judgeToStop(TrialRecord& trial, size_t rung, double score);
  Decision judgeToPromote(TrialRecord& trial, size_t rung, int64_t resource);
  std::optional<Promotion> nextPromotion() const;
  // Where a trial sent on from `rung` is judged next: the next milestone, or the end.
  int64_t judgedNextAfter(size_t rung) const;
  std::string rankText(size_t rung, TrialId trial) const;

  SearchState state_;
  AshaConfig config_;
  std::vector<Rung> rungs_;
  int64_t next_seq_ = 0;
};

}  // namespace cog::coord::sweep
