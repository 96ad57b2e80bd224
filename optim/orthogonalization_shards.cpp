#include "optim/orthogonalization_shards.hpp"

#include <algorithm>
#include <map>
#include <numeric>

#include "common/enforce.hpp"

namespace cog::optim {

double newtonSchulzCost(int64_t rows, int64_t cols) {
  const double m = static_cast<double>(std::min(rows, cols));
  const double n = static_cast<double>(std::max(rows, cols));
  return 2 * m * m * n + 2 * m * m * m + 2 * m * m * n;
}

std::vector<std::vector<size_t>> groupNewtonSchulzBatches(const std::vector<std::pair<int64_t, int64_t>>& shapes,
                                                          size_t max_batch) {
  COG_ENFORCE_GE(max_batch, size_t{1});
  std::map<std::pair<int64_t, int64_t>, std::vector<size_t>> by_shape;  // (min, max) side -> members
  std::vector<std::pair<int64_t, int64_t>> first_seen;
  for (size_t i = 0; i < shapes.size(); ++i) {
    const auto key = std::minmax(shapes[i].first, shapes[i].second);
    auto& members = by_shape[key];
    if (members.empty()) first_seen.push_back(key);
    members.push_back(i);
  }
  std::vector<std::vector<size_t>> batches;
  for (const auto& key : first_seen) {
    const std::vector<size_t>& members = by_shape[key];
    const size_t count = (members.size() + max_batch - 1) / max_batch;
    size_t next = 0;
    for (size_t b = 0; b < count; ++b) {
      const size_t size = members.size() / count + (b < members.size() % count ? 1 : 0);
      batches.emplace_back(members.begin() + static_cast<std::ptrdiff_t>(next),
                           members.begin() + static_cast<std::ptrdiff_t>(next + size));
      next += size;
    }
  }
  std::sort(batches.begin(), batches.end(), [](const auto& a, const auto& b) { return a.front() < b.front(); });
  return batches;
}

std::vector<int> assignOrthogonalizationOwners(const std::vector<double>& costs, int world) {
  COG_ENFORCE_GE(world, 1);
  std::vector<size_t> order(costs.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return costs[a] > costs[b]; });
  std::vector<double> load(static_cast<size_t>(world), 0.0);
  std::vector<int> owner(costs.size(), 0);
  for (size_t i : order) {
    const auto least = std::min_element(load.begin(), load.end());  // first minimum: lowest rank
    owner[i] = static_cast<int>(least - load.begin());
    *least += costs[i];
  }
  return owner;
}

}  // namespace cog::optim
