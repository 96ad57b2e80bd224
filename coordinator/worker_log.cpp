#include "coordinator/worker_log.hpp"

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

namespace cog::coord {
namespace {

double numberOf(const nlohmann::json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    const auto s = v.get<std::string>();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
  }
  return std::numeric_limits<double>::quiet_NaN();
}

Scalars scalarsOf(const nlohmann::json& object) {
  Scalars out;
  if (!object.is_object()) return out;
  for (const auto& [name, value] : object.items()) out.emplace_back(name, numberOf(value));
  return out;
}

}  // namespace

WorkerLog readWorkerLog(const std::filesystem::path& metrics_jsonl, const std::string& job_id, int attempt) {
  WorkerLog log;
  std::ifstream in(metrics_jsonl);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object() || !j.contains("type")) {
      ++log.malformed_lines;
      continue;
    }
    const std::string type = j.value("type", "");
    const int64_t step = j.value("step", int64_t{0});
    if (type == "step") {
      log.metrics.push_back({job_id, attempt, step, j.value("epoch", int64_t{0}), 0.0, scalarsOf(j["metrics"])});
    } else if (type == "validation") {
      ValidationRow v{job_id, attempt, step, j.value("epoch", int64_t{0}), 0.0, scalarsOf(j["metrics"]), "[]"};
      if (j.contains("samples")) v.samples_json = j["samples"].dump();
      log.validations.push_back(std::move(v));
    } else if (type == "event") {
      log.events.push_back({step, j.value("kind", ""), j.value("detail", "")});
    } else {
      ++log.malformed_lines;
    }
  }
  return log;
}

bool parseCheckpointEvent(const std::string& detail, std::string& name, std::string& path) {
  const auto arrow = detail.find(" -> ");
  if (arrow == std::string::npos || arrow == 0) return false;
  name = detail.substr(0, arrow);
  path = detail.substr(arrow + 4);
  return !path.empty();
}

std::string finishedReason(const std::string& detail) {
  const std::string prefix = "reason ";
  if (detail.rfind(prefix, 0) != 0) return "";
  const auto end = detail.find(',', prefix.size());
  return detail.substr(prefix.size(), end == std::string::npos ? std::string::npos : end - prefix.size());
}

}  // namespace cog::coord
