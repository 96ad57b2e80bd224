#pragma once
// The one place a searcher backend is picked: from the sweep file's `searcher.kind`.
#include <memory>

#include "coordinator/sweep/searcher.hpp"
#include "coordinator/sweep/sweep_config.hpp"

namespace cog::coord::sweep {

// The searcher for model `model` of the sweep (each model is searched on its own, seeded
// with config.modelSeed(model)).
std::unique_ptr<Searcher> makeSearcher(const SweepConfig& config, size_t model);

}  // namespace cog::coord::sweep
