#include "recorded_stream.hpp"

#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace cog::coord::test {
namespace {

double number(const nlohmann::json& value, const std::string& where) {
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) {
    const auto text = value.get<std::string>();
    if (text == "nan") return std::numeric_limits<double>::quiet_NaN();
    if (text == "inf") return std::numeric_limits<double>::infinity();
    if (text == "-inf") return -std::numeric_limits<double>::infinity();
  }
  throw std::runtime_error(where + ": not a number: " + value.dump());
}

Scalars scalars(const nlohmann::json& metrics, const std::string& where) {
  Scalars out;
  for (auto it = metrics.begin(); it != metrics.end(); ++it) {
    out.emplace_back(it.key(), number(it.value(), where + " " + it.key()));
  }
  return out;
}

}  // namespace

RecordedStream loadRecordedStream(const std::string& name, int attempt) {
  const std::string path = std::string(COG_TEST_FIXTURES_DIR) + "/" + name;
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open fixture");
  RecordedStream stream;
  std::string line;
  for (int number_of_line = 1; std::getline(in, line); ++number_of_line) {
    const std::string where = path + ":" + std::to_string(number_of_line);
    const auto row = nlohmann::json::parse(line);
    const auto type = row.at("type").get<std::string>();
    if (type == "step") {
      MetricRow m;
      m.job_id = "recorded";
      m.attempt = attempt;
      m.step = row.at("step").get<int64_t>();
      m.epoch = row.at("epoch").get<int64_t>();
      m.scalars = scalars(row.at("metrics"), where);
      stream.push_back({m, std::nullopt});
    } else if (type == "validation") {
      ValidationRow v;
      v.job_id = "recorded";
      v.attempt = attempt;
      v.step = row.at("step").get<int64_t>();
      v.epoch = row.at("epoch").get<int64_t>();
      v.scalars = scalars(row.at("metrics"), where);
      v.samples = {row.value("samples", nlohmann::json::array()).dump()};
      stream.push_back({std::nullopt, v});
    } else if (type != "event") {
      throw std::runtime_error(where + ": unknown report type " + type);
    }
  }
  if (stream.empty()) throw std::runtime_error(path + ": no step or validation reports");
  return stream;
}

std::vector<Verdict> replayAll(Policy& policy, const RecordedStream& stream) {
  std::vector<Verdict> out;
  for (const auto& report : stream) {
    auto verdict = report.metrics ? policy.onMetrics(*report.metrics)
                                  : policy.onValidation(*report.validation);
    if (verdict) out.push_back(*verdict);
  }
  return out;
}

std::optional<Verdict> replayFirst(PolicySet& policies, const RecordedStream& stream) {
  for (const auto& report : stream) {
    auto verdict = report.metrics ? policies.onMetrics(*report.metrics)
                                  : policies.onValidation(*report.validation);
    if (verdict) return verdict;
  }
  return std::nullopt;
}

}  // namespace cog::coord::test
