#pragma once
// A sweep file (configs/sweeps/*.yaml): the base model config(s) and fixed overrides, the
// search space, the metric and its direction, the budget, the searcher, and — as in an
// experiment file — the slot pool, launcher, coordinator endpoints and health policies that
// every trial runs under. Parsed once, validated, errors naming file, key path and value.
//
//   name: lr_tiny
//   slots: 2
//   base:
//     config: ../models/tiny-reasoning.yaml  # one model (named after the file), or
//     models:                                # several: each its own search, same space and budget
//       - {name: reasoning, config: ../models/reasoning.yaml, overrides: [...]}
//     overrides: [train.log_every=10]        # every trial of every model
//     ranks: 1                               # per trial, as a job's
//     slots: 1
//     checkpoint: {keep: {best: 1, latest: 2}}
//   space: {optim.muon_lr: {loguniform: [0.005, 0.05]}, ...}   # search_space.hpp
//   seed: 7
//   metric: {name: exact_match, mode: max}   # any validation metric; min or max
//   budget: {max_trials: 16, max_concurrent: 2, unit: epochs, max_per_trial: 4}
//   searcher: {kind: asha, grace: 1, eta: 4, mode: promote}
//   launcher: {...}  coordinator: {...}  policies: {...}   # as in an experiment file
//
// searcher kinds and their keys: grid (none), random (none), asha (grace, eta 4,
// mode stop|promote), pbt (perturbation_interval, quantile 0.25, resample_probability 0.25,
// factors [0.8, 1.2]).
#include <string>
#include <vector>

#include "coordinator/experiment/experiment_config.hpp"
#include "coordinator/sweep/search_space.hpp"
#include "coordinator/sweep/searcher_config.hpp"

namespace cog::coord::sweep {

struct SweepModel {
  std::string name;                    // names the model's trials (jobs <sweep>-<name>-<trial>)
  std::string config;                  // cogworker config, absolute
  std::vector<std::string> overrides;  // this model's fixed --set lines, after the base's
};

struct SweepConfig {
  std::string source;  // file, for messages
  std::string yaml;    // effective YAML (file + --set), stored so `resume` needs no file
  std::string name;
  int slots = 1;                       // the pool every trial shares
  std::vector<SweepModel> models;      // at least one; each model is searched on its own
  std::vector<std::string> overrides;  // fixed --set lines for every trial
  int ranks = 1;                       // per trial
  int trial_slots = 1;                 // per trial
  CheckpointKeep checkpoint_keep;      // per trial: base.checkpoint.keep, as a job's
  SearchSpace space;
  uint64_t seed = 0;  // model i's searcher is seeded with seed + i
  MetricGoal metric;
  SweepBudget budget;
  SearcherConfig searcher;
  LauncherSection launcher;
  CoordinatorSection coordinator;
  PolicyConfig policies;

  // The worker config key the sweep sets to a trial's budget: train.epochs or train.max_steps.
  std::string resourceKey() const;
  uint64_t modelSeed(size_t model) const { return seed + model; }
};

// Reads `path`, applies `overrides` (key.path=value, e.g. budget.max_trials=4), validates.
SweepConfig loadSweepConfig(const std::string& path,
                            const std::vector<std::string>& overrides = {});
// From stored YAML text; relative model configs resolve against `base_dir`.
SweepConfig parseSweepConfig(const std::string& yaml_text, const std::string& source,
                             const std::string& base_dir);

}  // namespace cog::coord::sweep
