#pragma once
// The layout of a coordinator's state directory:
//   DIR/coord.db                          SQLite store (WAL: coord.db-wal, coord.db-shm)
//   DIR/coordinator.json                  endpoints actually bound, experiment file, pid
//   DIR/jobs/JOB/attempt-N/               the attempt's cogworker run dir (checkpoints/, metrics.jsonl)
//   DIR/jobs/JOB/attempt-N/worker.log     stdout/stderr of every rank
//   DIR/jobs/JOB/attempt-N/ranks/rank.R/stdout  each rank's own (more than one rank)
//   DIR/api_token                         the mutating REST routes' bearer token (0600)
//   DIR/curve_server.key                  the wire's CURVE key pair (0600; coordinator.curve)
//   DIR/jobs/JOB/attempt-N/curve.key      the attempt's own CURVE keys, for its worker (0600)
#include <filesystem>
#include <string>

#include "coordinator/http/log_tail.hpp"

namespace cog::coord {

struct StateDir {
  std::filesystem::path root;

  std::filesystem::path database() const { return root / "coord.db"; }
  std::filesystem::path endpointsFile() const { return root / "coordinator.json"; }
  std::filesystem::path tokenFile() const { return root / "api_token"; }
  std::filesystem::path curveServerKey() const { return root / "curve_server.key"; }
  std::filesystem::path attemptDir(const std::string& job, int attempt) const {
    return root / "jobs" / job / ("attempt-" + std::to_string(attempt));
  }
  static std::filesystem::path attemptCurveFile(const std::filesystem::path& run_dir) { return run_dir / "curve.key"; }
  std::filesystem::path attemptLog(const std::string& job, int attempt) const {
    return attemptLogFile(attemptDir(job, attempt));
  }
};

// What `resume` needs to find the experiment and to let running workers reconnect: the
// wire endpoint must be the same one they were given.
struct CoordinatorEndpoints {
  std::string experiment_file;  // absolute path of the experiment YAML
  std::string wire;             // bound ZeroMQ endpoint (port resolved)
  std::string http;             // bound HTTP address ("" = none)
  long long pid = 0;
};

// Written atomically (temp file + rename).
void writeEndpoints(const StateDir& dir, const CoordinatorEndpoints& endpoints);
// Throws ConfigError naming the file when it is missing or unreadable.
CoordinatorEndpoints readEndpoints(const StateDir& dir);

}  // namespace cog::coord
