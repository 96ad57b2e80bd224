#include "coordinator/sweep/trial_table.hpp"

#include "common/error.hpp"

namespace cog::coord::sweep {

namespace {
constexpr TrialStatus kAllStatuses[] = {TrialStatus::running,   TrialStatus::paused,
                                        TrialStatus::completed, TrialStatus::stopped,
                                        TrialStatus::failed,    TrialStatus::non_finite};
}

const char* toString(TrialStatus status) {
  switch (status) {
    case TrialStatus::running:
      return "running";
    case TrialStatus::paused:
      return "paused";
    case TrialStatus::completed:
      return "completed";
    case TrialStatus::stopped:
      return "stopped";
    case TrialStatus::failed:
      return "failed";
    case TrialStatus::non_finite:
      return "non_finite";
  }
  return "?";
}

std::optional<TrialStatus> trialStatusFromString(const std::string& text) {
  for (auto status : kAllStatuses) {
    if (text == toString(status)) return status;
  }
  return std::nullopt;
}

bool isLive(TrialStatus status) {
  return status == TrialStatus::running || status == TrialStatus::paused;
}

TrialId TrialTable::add(Point point) {
  TrialRecord record;
  record.id = static_cast<TrialId>(records_.size());
  record.point = std::move(point);
  records_.push_back(std::move(record));
  return records_.back().id;
}

TrialRecord& TrialTable::at(TrialId id) {
  if (id < 0 || static_cast<size_t>(id) >= records_.size()) {
    throw InvariantError("sweep: no trial " + std::to_string(id) + " (" +
                         std::to_string(records_.size()) + " started)");
  }
  return records_[static_cast<size_t>(id)];
}

const TrialRecord& TrialTable::at(TrialId id) const {
  return const_cast<TrialTable*>(this)->at(id);
}

size_t TrialTable::count(TrialStatus status) const {
  size_t n = 0;
  for (const auto& r : records_) n += r.status == status ? 1 : 0;
  return n;
}

// One description of a record's JSON, used both ways: the field names below are the state
// file's and the REST API's.
nlohmann::json TrialTable::toJson() const {
  auto rows = nlohmann::json::array();
  for (const auto& r : records_) {
    nlohmann::json row = {{"id", r.id},
                          {"point", r.point},
                          {"status", toString(r.status)},
                          {"resource", r.resource},
                          {"checkpoint_resource", r.checkpoint_resource},
                          {"checkpoint_healthy", r.checkpoint_healthy},
                          {"rung", r.rung},
                          {"exploited_from", r.exploited_from},
                          {"exploits", r.exploits}};
    row["metric"] = r.metric ? nlohmann::json(*r.metric) : nlohmann::json(nullptr);
    rows.push_back(std::move(row));
  }
  return rows;
}

void TrialTable::fromJson(const nlohmann::json& json, const SearchSpace& space) {
  std::vector<TrialRecord> records;
  try {
    for (const auto& row : json) {
      TrialRecord r;
      r.id = row.at("id").get<TrialId>();
      if (r.id != static_cast<TrialId>(records.size())) {
        throw DataError("sweep state: trial " + std::to_string(r.id) + " found where trial " +
                        std::to_string(records.size()) + " was expected");
      }
      r.point = row.at("point").get<Point>();
      try {
        space.checkPoint(r.point);
      } catch (const InvariantError& e) {
        throw DataError("sweep state: trial " + std::to_string(r.id) + ": " + e.what() +
                        " (was the sweep file's space changed?)");
      }
      const auto status = row.at("status").get<std::string>();
      const auto parsed = trialStatusFromString(status);
      if (!parsed)
        throw DataError("sweep state: trial " + std::to_string(r.id) + ": unknown status '" +
                        status + "'");
      r.status = *parsed;
      r.resource = row.at("resource").get<int64_t>();
      if (!row.at("metric").is_null()) r.metric = row.at("metric").get<double>();
      r.checkpoint_resource = row.at("checkpoint_resource").get<int64_t>();
      r.checkpoint_healthy = row.at("checkpoint_healthy").get<bool>();
      r.rung = row.at("rung").get<int>();
      r.exploited_from = row.at("exploited_from").get<TrialId>();
      r.exploits = row.at("exploits").get<int>();
      records.push_back(std::move(r));
    }
  } catch (const nlohmann::json::exception& e) {
    throw DataError(std::string("sweep state: malformed trial table: ") + e.what());
  }
  records_ = std::move(records);
}

}  // namespace cog::coord::sweep
