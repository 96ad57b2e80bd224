#include "coordinator/sweep/searcher_factory.hpp"

#include "common/error.hpp"
#include "coordinator/sweep/asha_searcher.hpp"
#include "coordinator/sweep/grid_searcher.hpp"
#include "coordinator/sweep/pbt_searcher.hpp"
#include "coordinator/sweep/random_searcher.hpp"

namespace cog::coord::sweep {

std::unique_ptr<Searcher> makeSearcher(const SweepConfig& config, size_t model) {
  const uint64_t seed = config.modelSeed(model);
  switch (config.searcher.kind) {
    case SearcherKind::grid:
      return std::make_unique<GridSearcher>(config.space, config.metric, config.budget);
    case SearcherKind::random:
      return std::make_unique<RandomSearcher>(config.space, config.metric, config.budget, seed);
    case SearcherKind::asha:
      return std::make_unique<AshaSearcher>(config.space, config.metric, config.budget,
                                            config.searcher.asha, seed);
    case SearcherKind::pbt:
      return std::make_unique<PbtSearcher>(config.space, config.metric, config.budget,
                                           config.searcher.pbt, seed);
  }
  throw InvariantError("sweep: unknown searcher kind");
}

}  // namespace cog::coord::sweep
