#include "optim/param_groups.hpp"

#include <array>
#include <unordered_map>

#include "common/error.hpp"

namespace cog::optim {

ParamGroupKind classifyParameter(const std::string& name, const torch::Tensor& tensor) {
  // Substrings that mark a parameter as a table, gain, offset or gate (see header).
  static constexpr std::array<const char*, 6> kFallbackMarkers = {"emb",  "lm_head", "norm",
                                                                  "gate", "halt",    "bias"};
  const bool isMatrix = tensor.dim() >= 2 && tensor.size(0) > 1 && tensor.size(1) > 1;
  if (!isMatrix) return ParamGroupKind::kFallback;
  for (const char* marker : kFallbackMarkers) {
    if (name.find(marker) != std::string::npos) return ParamGroupKind::kFallback;
  }
  return ParamGroupKind::kMuon;
}

bool decaysWeight(const std::string& name, const torch::Tensor& tensor) {
  static constexpr std::array<const char*, 4> kNeverDecayed = {"emb", "lm_head", "norm", "bias"};
  if (tensor.dim() < 2) return false;
  for (const char* marker : kNeverDecayed) {
    if (name.find(marker) != std::string::npos) return false;
  }
  return true;
}

ParamGroups groupParameters(const std::vector<NamedParameter>& params) {
  ParamGroups groups;
  // Keyed by the TensorImpl: two names for one tensor (a tied weight listed twice) would
  // have the optimizer apply every update twice.
  std::unordered_map<const void*, const std::string*> seen;
  for (const NamedParameter& p : params) {
    if (!p.tensor.defined()) {
      throw InvariantError("optimizer parameter '" + p.name + "' is an undefined tensor");
    }
    auto [it, inserted] = seen.emplace(p.tensor.unsafeGetTensorImpl(), &p.name);
    if (!inserted) {
      throw InvariantError("parameter '" + p.name + "' is the same tensor as '" + *it->second +
                           "'; pass each (tied) parameter to the optimizer once");
    }
    if (classifyParameter(p.name, p.tensor) == ParamGroupKind::kMuon) {
      groups.muon.push_back(p);
    } else {
      groups.fallback.push_back(p);
    }
  }
  return groups;
}

}  // namespace cog::optim
