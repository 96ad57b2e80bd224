#include "optim/mugrokfast_options.hpp"

#include <cmath>
#include <sstream>

#include "common/error.hpp"

namespace cog::optim {

const char* paramGroupKindName(ParamGroupKind kind) {
  return kind == ParamGroupKind::kMuon ? "muon" : "fallback";
}

namespace {

[[noreturn]] void badOption(const char* field, double value, const char* allowed) {
  std::ostringstream os;
  os << "optim." << field << " = " << value << ": " << allowed;
  throw ConfigError(os.str());
}

void requirePositive(const char* field, double value) {
  if (!std::isfinite(value) || value <= 0.0) badOption(field, value, "must be a finite number > 0");
}

void requireNonNegative(const char* field, double value) {
  if (!std::isfinite(value) || value < 0.0) badOption(field, value, "must be a finite number >= 0");
}

// Momentum / EMA coefficients: 1 would never forget and never move, so it is excluded.
void requireUnitInterval(const char* field, double value) {
  if (!(value >= 0.0 && value < 1.0)) badOption(field, value, "must be in [0, 1)");
}

}  // namespace

void MuGrokfastOptions::validate() const {
  requirePositive("muon_lr", muon_lr);
  requirePositive("fallback_lr", fallback_lr);
  requireUnitInterval("momentum", momentum);
  // More than a handful of steps buys nothing with these coefficients (they do not converge
  // to 1, see newton_schulz.hpp); 100 only guards against a typo'd huge value.
  if (ns_steps < 1 || ns_steps > 100) badOption("ns_steps", ns_steps, "must be in [1, 100]");
  requireNonNegative("weight_decay", weight_decay);
  if (muon_weight_decay) requireNonNegative("muon_weight_decay", *muon_weight_decay);
  if (fallback_weight_decay) requireNonNegative("fallback_weight_decay", *fallback_weight_decay);
  requireUnitInterval("adam_beta1", adam_beta1);
  requireUnitInterval("adam_beta2", adam_beta2);
  requirePositive("adam_eps", adam_eps);
  requireUnitInterval("grokfast_alpha", grokfast_alpha);
  requireNonNegative("grokfast_lambda", grokfast_lambda);
}

double MuGrokfastOptions::weightDecay(ParamGroupKind kind) const {
  const std::optional<double>& perGroup =
      kind == ParamGroupKind::kMuon ? muon_weight_decay : fallback_weight_decay;
  return perGroup.value_or(weight_decay);
}

double MuGrokfastOptions::baseLr(ParamGroupKind kind) const {
  return kind == ParamGroupKind::kMuon ? muon_lr : fallback_lr;
}

}  // namespace cog::optim
