#pragma once
// The parts of a sweep file a searcher reads (sweep_config.hpp holds the rest): the metric
// and its direction, the budget, and the searcher's own parameters. Plain structs, parsed
// and validated once by parseSweepConfig; searchers receive them by const&.
#include <cstdint>
#include <string>
#include <vector>

namespace cog::coord::sweep {

enum class MetricMode { min, max };

struct MetricGoal {
  std::string name = "val_loss";  // any validation metric: val_loss, exact_match, val_loss.stage.1
  MetricMode mode = MetricMode::min;
  // Searchers compare scores, lower is better: the metric itself (min) or its negation (max).
  double score(double metric) const { return mode == MetricMode::min ? metric : -metric; }
};

enum class ResourceUnit { epochs, steps };
const char* toString(ResourceUnit unit);

struct SweepBudget {
  int max_trials = 0;      // trials started per model (grid: 0 = the whole grid)
  int max_concurrent = 1;  // trials training at once, the whole sweep
  ResourceUnit unit = ResourceUnit::epochs;
  int64_t max_per_trial = 0;  // a trial trains at most this many units
};

enum class AshaMode {
  stop,     // a trial not in its rung's top 1/eta stops (Ray Tune, Determined)
  promote,  // trials pause at each rung with a checkpoint; promoted ones resume from it
};

// Asynchronous successive halving (Li et al., "A System for Massively Parallel
// Hyperparameter Tuning", MLSys 2020): rung k is reached after grace * eta^k units.
struct AshaConfig {
  int64_t grace = 1;  // units before the first rung (r in the paper)
  int eta = 4;        // reduction factor: the top 1/eta of a rung goes on
  AshaMode mode = AshaMode::stop;
};

// Population based training (Jaderberg et al. 2017), the asynchronous form of Ray Tune's
// PopulationBasedTraining: a trial due for a perturbation looks at the others' latest
// metrics and, in the bottom quantile, copies a top trial's checkpoint and perturbs.
struct PbtConfig {
  int64_t perturbation_interval = 1;         // units between a trial's perturbation checks
  double quantile = 0.25;                    // bottom and top share of the population
  double resample_probability = 0.25;        // per parameter: draw afresh instead of multiplying
  std::vector<double> factors = {0.8, 1.2};  // one is picked at random per parameter
};

enum class SearcherKind { grid, random, asha, pbt };
const char* toString(SearcherKind kind);

struct SearcherConfig {
  SearcherKind kind = SearcherKind::random;
  AshaConfig asha;  // read when kind is asha
  PbtConfig pbt;    // read when kind is pbt
};

}  // namespace cog::coord::sweep
