#include "optim/orthogonalization_shards.hpp"

#include <algorithm>
#include <numeric>

#include "common/enforce.hpp"

namespace cog::optim {

double newtonSchulzCost(int64_t rows, int64_t cols) {
  const double m = static_cast<double>(std::min(rows, cols));
  const double n = static_cast<double>(std::max(rows, cols));
  return 2 * m * m * n + 2 * m * m * m + 2 * m * m * n;
}

std::vector<int> assignOrthogonalizationOwners(const std::vector<std::pair<int64_t, int64_t>>& shapes,
                                               int world) {
  COG_ENFORCE_GE(world, 1);
  std::vector<size_t> order(shapes.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return newtonSchulzCost(shapes[a].first, shapes[a].second) >
           newtonSchulzCost(shapes[b].first, shapes[b].second);
  });
  std::vector<double> load(static_cast<size_t>(world), 0.0);
  std::vector<int> owner(shapes.size(), 0);
  for (size_t i : order) {
    const auto least = std::min_element(load.begin(), load.end());  // first minimum: lowest rank
    owner[i] = static_cast<int>(least - load.begin());
    *least += newtonSchulzCost(shapes[i].first, shapes[i].second);
  }
  return owner;
}

}  // namespace cog::optim
