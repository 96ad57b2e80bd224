#pragma once
// JSON has no NaN or infinity, yet a diverged loss is exactly the value that must survive a
// log or a store: Cog writes non-finite doubles as the strings "nan", "inf" and "-inf" and
// reads them back. The one definition, for every JSON Cog writes (metrics.jsonl, the
// coordinator's store); templated on the nlohmann json type (json or ordered_json).
#include <cmath>
#include <limits>
#include <optional>
#include <string>

namespace cog::wire {

template <typename Json>
Json jsonNumber(double v) {
  if (std::isfinite(v)) return v;
  return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
}

// The number `j` holds, as a number or one of the three strings; nullopt for anything else.
template <typename Json>
std::optional<double> numberFromJson(const Json& j) {
  if (j.is_number()) return j.template get<double>();
  if (!j.is_string()) return std::nullopt;
  const auto& s = j.template get_ref<const std::string&>();
  if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (s == "inf") return std::numeric_limits<double>::infinity();
  if (s == "-inf") return -std::numeric_limits<double>::infinity();
  return std::nullopt;
}

}  // namespace cog::wire
