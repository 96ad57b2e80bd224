#pragma once
// The sweep's side of the coordinator: one searcher per model, each trial one job. Pure, like
// JobSupervisor — no Asio, no store, no processes: the coordinator shell feeds it the free
// slots and what trial jobs report (validations, checkpoints, ends), and carries out the
// commands it returns: add a job, stop one (for good, or to pause it keeping its checkpoint),
// relaunch one from a checkpoint with its whole list of overrides (ASHA promotion: its own
// pause checkpoint; PBT exploit: another trial's). Its state is one JSON document, to be
// stored with every decision it returns, so `cogcoord resume` continues the same sweep.
//
// Trials as jobs: model m's trial t is the job "<sweep>-<model>-t<NNN>" (trialJobName), with
// the model's config and these --set lines, later ones winning: checkpoint.every_epochs=1
// when the searcher resumes from checkpoints (ASHA promote, PBT, unit epochs) so every rung
// and perturbation point has one; the sweep's fixed overrides; the model's; the budget
// (train.epochs or train.max_steps = max_per_trial); the trial's hyperparameters.
//
// Resource: with unit epochs a validation after the worker's 0-based epoch e is resource
// e + 1 (worker/trainer.cpp validates at the end of every epoch and reports e), and a
// checkpoint's resource is the N of its name epoch-NNNN; with unit steps both are the global
// step. A validation that lacks the sweep's metric is a ConfigError naming the metric and
// the names the job does report.
//
// Runs: after a relaunch (promotion, exploit) the trial's earlier attempts may still deliver
// reports and checkpoints; those of attempts at or below the last one seen before the
// relaunch are dropped (the searcher already moved on; a checkpoint of the old weights must
// never become a PBT source under the new hyperparameters).
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "coordinator/store/records.hpp"
#include "coordinator/sweep/searcher.hpp"
#include "coordinator/sweep/sweep_config.hpp"

namespace cog::coord::sweep {

// A new job, queued for slots like any other.
struct AddTrialJob {
  JobSpec spec;
  std::string reason;
};
// Stop the job; `pause`: it will be promoted from its checkpoint later (keep it).
struct StopTrialJob {
  std::string job;
  bool pause = false;
  std::string reason;
};
// Stop the job if it runs, then start it again from `checkpoint` (a path: its own or another
// trial's) with `overrides` as its whole --set list.
struct RelaunchTrialJob {
  std::string job;
  std::string checkpoint;
  std::vector<std::string> overrides;
  std::string reason;
};
using SweepCommand = std::variant<AddTrialJob, StopTrialJob, RelaunchTrialJob>;

// A trial in the end summary.
struct RankedTrial {
  size_t model = 0;
  TrialId trial = 0;
  std::string job;
  TrialStatus status = TrialStatus::running;
  int64_t resource = 0;
  std::optional<double> metric;
  std::vector<std::string> overrides;  // the whole --set list of its (last) run
};

std::string trialJobName(const SweepConfig& config, size_t model, TrialId trial);

class SweepDriver {
 public:
  explicit SweepDriver(SweepConfig config);

  // `free_slots` of the pool are free: trials to start or promote, at most what the slots
  // and budget.max_concurrent allow, the models taking turns.
  std::vector<SweepCommand> onFreeSlots(int free_slots);
  std::vector<SweepCommand> onValidation(const ValidationRow& row);
  void onCheckpoint(const CheckpointRow& row);
  // The job reached an end state (finished, early_stopped, failed, stopped); interrupted is
  // not an end for the sweep.
  void onJobEnded(const std::string& job, JobState state);
  // After a coordinator restart: trials the searcher paused or stopped whose jobs are not
  // ended (the kill interrupted the stop, and resume restarts them) are stopped again.
  std::vector<SweepCommand> onResumed(const std::vector<JobRow>& jobs);

  bool isTrialJob(const std::string& job) const { return jobs_.count(job) != 0; }
  // Every trial's job as it would be added now (its current hyperparameters), for `resume`.
  std::vector<JobSpec> trialJobSpecs() const;
  int runningTrials() const;
  // No trial runs and the last offer of free slots found nothing to start or promote.
  bool finished() const;

  // Model `model`'s trials, best first: those with a metric by resource reached (more
  // first), then metric (the goal's direction), then id; those without one last.
  std::vector<RankedTrial> ranking(size_t model) const;
  // The best trial's overrides as a ready command-line fragment: --set k=v --set ...
  static std::string setLine(const RankedTrial& trial);
  // The model's worker config with the best trial's overrides applied (best.yaml).
  std::string bestYaml(size_t model) const;

  const SweepConfig& config() const { return config_; }
  const Searcher& searcher(size_t model) const { return *models_.at(model).searcher; }

  nlohmann::json saveState() const;
  // Throws DataError on state of another sweep or another layout (then changes nothing).
  void restoreState(const nlohmann::json& state);

 private:
  struct TrialRun {
    int last_attempt = 0;                        // the newest attempt seen in a row of this job
    int min_attempt = 0;                         // rows of older attempts are dropped
    std::map<int64_t, std::string> checkpoints;  // resource -> path (this run's)
    std::string final_checkpoint;                // the newest checkpoint without a resource
    // A promotion or exploit asked for and not yet seen reporting (saved): a coordinator
    // killed before it was carried out restarts the job as it was, so `resume` asks again.
    std::optional<RelaunchTrialJob> pending;
  };
  struct Model {
    std::unique_ptr<Searcher> searcher;
    std::vector<TrialRun> runs;  // by trial id
  };
  struct JobRef {
    size_t model = 0;
    TrialId trial = 0;
  };

  std::vector<std::string> trialOverrides(size_t model, const Point& point) const;
  JobSpec trialJobSpec(size_t model, TrialId trial, const Point& point) const;
  std::optional<int64_t> checkpointResource(const CheckpointRow& row) const;
  std::string checkpointPath(size_t model, TrialId trial, int64_t resource) const;
  // Notes the attempt; false when the row is from a run the searcher has moved on from.
  bool currentRun(TrialRun& run, int attempt);
  void carry(size_t model, const Decision& decision, std::vector<SweepCommand>& out);

  SweepConfig config_;
  std::vector<Model> models_;
  std::map<std::string, JobRef> jobs_;
  size_t next_model_ = 0;  // whose turn it is to fill a free slot
  bool exhausted_ = false;
};

}  // namespace cog::coord::sweep
