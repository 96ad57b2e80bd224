#pragma once
// Reads a worker's own record of an attempt, RUN/metrics.jsonl (worker/report/
// jsonl_reporter.cpp writes it: one JSON object per line, type step | validation | event;
// non-finite numbers as the strings "nan", "inf", "-inf"). The coordinator backfills its
// store from it when an attempt ends or after a coordinator restart, so a metric the wire
// lost (coordinator down, queue full) is still stored exactly once.
#include <filesystem>
#include <string>
#include <vector>

#include "coordinator/store/records.hpp"

namespace cog::coord {

struct WorkerLogEvent {
  int64_t step = 0;
  std::string kind;
  std::string detail;
};

struct WorkerLog {
  std::vector<MetricRow> metrics;
  std::vector<ValidationRow> validations;
  std::vector<WorkerLogEvent> events;
  int64_t malformed_lines = 0;  // a line cut short by a crash is expected; counted, skipped
};

// Missing file = empty log. Rows carry job_id/attempt as given, time = 0.
WorkerLog readWorkerLog(const std::filesystem::path& metrics_jsonl, const std::string& job_id, int attempt);

// A worker "checkpoint" event's detail is "NAME -> DIRECTORY"; false when it is not.
bool parseCheckpointEvent(const std::string& detail, std::string& name, std::string& path);
// A worker "finished" event's detail starts "reason X, ..."; returns X or "".
std::string finishedReason(const std::string& detail);

}  // namespace cog::coord
