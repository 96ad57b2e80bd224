#pragma once
#include <ostream>

#include "model/model_config.hpp"

namespace cog::worker {

// Prints a model's configuration and its parameter count broken down by component.
// Builds the model to count (not a formula), so the numbers are the real ones.
void printModelSummary(const model::ModelConfig& config, std::ostream& out);

}  // namespace cog::worker
