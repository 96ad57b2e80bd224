#pragma once
#include <torch/nn/module.h>

#include <vector>

#include "optim/param_groups.hpp"

namespace cog::worker {

// The model's parameters with their module paths, as the optimizer's grouping rule reads them.
inline std::vector<optim::NamedParameter> namedParameters(const torch::nn::Module& module) {
  std::vector<optim::NamedParameter> out;
  for (const auto& item : module.named_parameters()) out.push_back({item.key(), item.value()});
  return out;
}

}  // namespace cog::worker
