#include "coordinator/policy/mode_collapse_guard.hpp"

#include "comms/wire/metric_names.hpp"

namespace cog::coord {

std::optional<std::string> collapseFinding(const Scalars& validation,
                                           const DivergenceConfig& config) {
  const auto answered = findScalar(validation, wire::metric::kAnswered);
  if (!answered || !(*answered > 0)) return std::nullopt;
  const auto share = findScalar(validation, wire::metric::kTopTokenShare);
  if (share && *share > config.top_token_share_max) {
    return "top_token_share " + formatNumber(*share) + " > " +
           formatNumber(config.top_token_share_max);
  }
  const auto empty = findScalar(validation, wire::metric::kEmptyAnswerShare);
  if (empty && *empty > config.empty_answer_share_max) {
    return "empty_answer_share " + formatNumber(*empty) + " > " + formatNumber(config.empty_answer_share_max);
  }
  const auto distinct = findScalar(validation, wire::metric::kDistinct1);
  if (distinct && *distinct < config.distinct_1_min) {
    return "distinct_1 " + formatNumber(*distinct) + " < " + formatNumber(config.distinct_1_min);
  }
  return std::nullopt;
}

std::optional<Verdict> ModeCollapseGuard::onValidation(const ValidationRow& row) {
  const auto finding = collapseFinding(row.scalars, config_);
  if (!finding) return std::nullopt;
  Verdict v;
  v.action = Verdict::Action::kDiverged;
  v.signal = "mode_collapse";
  v.step = row.step;
  v.reason = "validation at step " + std::to_string(row.step) + ": " + *finding +
             ": generated answers collapsed";
  for (const char* name :
       {wire::metric::kTopTokenShare, wire::metric::kEmptyAnswerShare, wire::metric::kDistinct1,
        wire::metric::kDistinct2, wire::metric::kAnswered, wire::metric::kExactMatch}) {
    if (const auto value = findScalar(row.scalars, name)) v.numbers.emplace_back(name, *value);
  }
  return v;
}

}  // namespace cog::coord
