#pragma once
// One interface for every way of searching hyperparameters (grid, random, ASHA, PBT): a pure
// state machine. Events in — a slot is free, a trial reported its metric at resource r, a
// trial saved a checkpoint, a trial's job ended — and decisions out: start a trial with
// these hyperparameters, let it go on, pause it, stop it, promote a paused one from its
// checkpoint, or (PBT) restart it from another trial's checkpoint with new hyperparameters.
//
// No clocks, sockets or files: the sweep driver feeds events from the coordinator and carries
// the decisions out as jobs, and the unit tests feed synthetic learning curves. A searcher's
// whole state (trials, rungs, random stream) round-trips through saveState()/restoreState(),
// so the coordinator can store it with every decision and `cogcoord resume` continues the
// same search.
//
// Non-finite metrics: a report whose metric is NaN or infinite stops the trial (status
// non_finite) and never enters a rung's cut-off or PBT's ranking. The divergence policy may
// roll a trial back instead; the driver then does not pass the non-finite report on.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "coordinator/sweep/search_space.hpp"
#include "coordinator/sweep/searcher_config.hpp"
#include "coordinator/sweep/trial_table.hpp"

namespace cog::coord::sweep {

// A trial's validation: `metric` (the sweep's metric, as the worker reported it) after
// `resource` units of training.
struct TrialReport {
  TrialId trial = 0;
  int64_t resource = 0;
  double metric = 0;
};

enum class TrialEnd {
  completed,  // the job finished on its own (trained to the end, or early-stopped)
  failed,     // the job failed for good
};

enum class DecisionKind {
  start,    // launch new trial `trial` with `point`, to be judged next at `until_resource`
  promote,  // relaunch paused `trial` from its checkpoint at `from_resource`, on to
            // `until_resource`
  proceed,  // let `trial` train on (nothing to do)
  pause,    // stop `trial`'s job keeping its checkpoint at `from_resource`; it may be promoted
  stop,     // stop `trial` for good
  exploit,  // relaunch `trial` from `source`'s checkpoint at `from_resource` with `point`
};
const char* toString(DecisionKind kind);

struct Decision {
  DecisionKind kind = DecisionKind::proceed;
  TrialId trial = 0;
  Point point;                 // start, exploit: the trial's hyperparameters from now on
  TrialId source = -1;         // exploit: whose checkpoint is copied
  int64_t from_resource = 0;   // promote, pause, exploit: the checkpoint's resource
  int64_t until_resource = 0;  // start, promote, exploit: where the run is judged next
  std::string reason;          // for the event log and the operator, never parsed back
};

class Searcher {
 public:
  virtual ~Searcher() = default;
  virtual SearcherKind kind() const = 0;

  // Up to `free_slots` trials to start or promote now; empty when there is nothing to run
  // until more results come (or ever: the search is over once no trial is running too).
  virtual std::vector<Decision> suggest(int free_slots) = 0;
  // The answer to a trial's report: proceed, pause, stop or exploit. A report from a trial
  // that is no longer running (a late one after a stop or pause) changes nothing and
  // repeats what was decided.
  virtual Decision onReport(const TrialReport& report) = 0;
  virtual void onCheckpoint(TrialId trial, int64_t resource, bool healthy) = 0;
  virtual void onEnded(TrialId trial, TrialEnd end) = 0;

  virtual const TrialTable& trials() const = 0;
  virtual nlohmann::json saveState() const = 0;
  // Replaces the state with one saved by a searcher built from the same sweep file; throws
  // DataError when it is not (other searcher kind, rungs or space).
  virtual void restoreState(const nlohmann::json& state) = 0;
};

}  // namespace cog::coord::sweep
