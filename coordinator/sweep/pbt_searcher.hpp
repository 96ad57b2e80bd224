#pragma once
// Population based training (Jaderberg et al., "Population Based Training of Neural
// Networks", 2017) in its asynchronous form (as Ray Tune's PopulationBasedTraining): the
// population is the max_trials trials, started with random draws and each trained to the end.
//
// Every perturbation_interval units of its own, a trial is ranked against the population:
// the trials still running, by their latest finite metric (ties: lower trial id first). With
// n ranked, m = min(ceil(n * quantile), floor(n / 2)) are the top and m the bottom. A trial in
// the bottom m exploits: it copies the newest checkpoint of a top trial drawn at random (one
// draw, index among the eligible tops) and explores from that trial's hyperparameters
// (explorePoint). A top trial whose newest checkpoint the health policies marked unhealthy,
// or that has none yet, is never copied; with no eligible top trial the bottom one goes on.
//
// After an exploit the trial holds the source's weights: its resource and metric become the
// source's (so others rank it by what it now is), it has no checkpoint of its own (so it is
// nobody's source until it saves one: the driver then never copies a copy), and its next
// check is perturbation_interval units after the copied checkpoint. The driver must drop
// checkpoint events of the trial's previous run that arrive after the exploit.
#include "coordinator/sweep/search_state.hpp"

namespace cog::coord::sweep {

// PBT's explore step, parameter by parameter in the space's order: one draw u; when
// u < resample_probability the value is drawn afresh from its domain (sampleParam); else one
// draw picks a factor from `factors` and the value is multiplied by it — a choice instead
// moves to its neighbour option (down for a factor below 1, up above 1) — then brought back
// into the domain (Param::clamp: clipped, rounded, snapped to the q grid).
Point explorePoint(const SearchSpace& space, const Point& from, const PbtConfig& config,
                   RandomStream& stream);

class PbtSearcher : public Searcher {
 public:
  PbtSearcher(SearchSpace space, MetricGoal goal, SweepBudget budget, PbtConfig config,
              uint64_t seed);

  SearcherKind kind() const override { return SearcherKind::pbt; }
  std::vector<Decision> suggest(int free_slots) override;
  Decision onReport(const TrialReport& report) override;
  void onCheckpoint(TrialId trial, int64_t resource, bool healthy) override;
  void onEnded(TrialId trial, TrialEnd end) override;
  const TrialTable& trials() const override { return state_.table(); }
  nlohmann::json saveState() const override;
  void restoreState(const nlohmann::json& state) override;

 private:
  Decision exploitOrProceed(TrialRecord& trial);

  SearchState state_;
  PbtConfig config_;
  std::vector<int64_t> last_check_;  // per trial: the resource of its last check or exploit
};

}  // namespace cog::coord::sweep
