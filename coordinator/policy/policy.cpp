#include "coordinator/policy/policy.hpp"

#include <cstdio>

namespace cog::coord {

const char* actionName(Verdict::Action action) {
  return action == Verdict::Action::kEarlyStop ? "early_stop" : "diverged";
}

std::optional<double> findScalar(const Scalars& scalars, const std::string& name) {
  for (const auto& [key, value] : scalars) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::string formatNumber(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4g", value);
  return buffer;
}

}  // namespace cog::coord
