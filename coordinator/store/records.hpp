#pragma once
// Rows of the coordinator's store (SQLite, coordinator/store/store.*), as plain structs.
// The REST handler and the terminal view read these; nothing here knows about SQL. Each
// row's columns are described once, in row_columns.hpp: the schema, the writes, the reads
// and the REST JSON all follow that one description.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "coordinator/store/states.hpp"

namespace cog::coord {

// Named values in report order, e.g. {{"loss", 2.31}, {"grad_norm", 0.8}}.
using Scalars = std::vector<std::pair<std::string, double>>;

// Text that is itself a JSON document (generated samples): stored as text, served as JSON.
struct JsonText {
  std::string text;
};

inline constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();

// The value named `name`, or kNoValue when the report does not carry it.
inline double scalarOr(const Scalars& scalars, const std::string& name,
                       double fallback = kNoValue) {
  for (const auto& [key, value] : scalars) {
    if (key == name) return value;
  }
  return fallback;
}

struct ExperimentRow {
  std::string id;           // experiment name from the YAML (unique per state dir)
  std::string config_path;  // the experiment file as given on the command line
  std::string config_yaml;  // the effective YAML (file + --set overrides)
  std::string state;        // running | finished | interrupted
  double created_at = 0;    // unix seconds
  double updated_at = 0;
};

struct JobRow {
  std::string id;  // job name from the experiment ("reasoning")
  std::string experiment_id;
  std::string model_config;  // worker config path
  JobState state = JobState::kQueued;
  int attempt = 0;  // current / last attempt number (1-based; 0 = never started)
  int ranks = 1;
  int slots = 1;
  int restarts = 0;    // crash restarts used
  int relaunches = 0;  // divergence relaunches used
  int64_t step = 0;    // newest reported global step
  int64_t epoch = 0;
  double best_val_loss = kNoValue;
  double best_exact_match = kNoValue;
  Scalars last_metrics;    // the newest Metrics report's scalars
  std::string end_reason;  // why the job ended (empty while it runs)
  double updated_at = 0;
};

struct AttemptRow {
  std::string job_id;
  int attempt = 0;
  AttemptKind kind = AttemptKind::kFirst;
  std::vector<std::string> overrides;  // effective --set key=value list given to the worker
  // The part of `overrides` an operator's relaunch added (kept for the job's later attempts).
  std::vector<std::string> operator_overrides;
  // The divergence adjustments it runs with (relative to the job's configured values; they
  // are also among `overrides`, as adjust.* keys the worker reads).
  double lr_factor = 1;
  double grokfast_lambda_factor = 1;
  bool fresh_warmup = false;
  std::string start_checkpoint;  // checkpoint directory it started from ("" = fresh)
  int64_t start_step = 0;        // global step of that checkpoint
  std::string run_dir;
  int64_t launch_id = 0;  // the launcher's id: process group (local), Slurm job id; 0 = not started
  double started_at = 0;  // when it was recorded (before its processes were started)
  double ended_at = 0;    // 0 while open
  AttemptEnd end = AttemptEnd::kOpen;
  std::string end_reason;  // the end in words: "finished", "crashed: exit code 17", ...
  int exit_code = 0;       // of the launcher's process (mpirun / cogworker)
  int signal = 0;          // that killed it, or 0
  // The step a divergence rule condemned (-1: none). Stored with the verdict, before the
  // stop is sent, so that a coordinator killed during the stop still rolls back.
  int64_t diverged_at_step = -1;
};

struct MetricRow {
  std::string job_id;
  int attempt = 0;
  int64_t step = 0;
  int64_t epoch = 0;
  double time = 0;  // unix seconds when received
  Scalars scalars;
};

struct ValidationRow {
  std::string job_id;
  int attempt = 0;
  int64_t step = 0;
  int64_t epoch = 0;
  double time = 0;
  Scalars scalars;   // val_loss, exact_match, distinct_1, top_token_share ...
  JsonText samples;  // JSON array of {source, prompt, generated, expected, correct}
};

struct CheckpointRow {
  std::string job_id;
  int attempt = 0;
  int64_t step = 0;
  std::string name;            // epoch-0003 | best | final
  std::string path;            // directory
  double val_loss = kNoValue;  // the validation it was saved after (NaN if none)
  bool healthy = true;         // false once a divergence policy condemns it
  double time = 0;
};

struct EventRow {
  int64_t id = 0;  // increasing; /api/v1/events?since=ID returns ids > ID
  double time = 0;
  std::string job_id;  // "" = about the experiment as a whole
  int attempt = 0;
  std::string source;  // coordinator | worker
  std::string kind;  // decision kinds: early_stop, diverged, rollback, restart, ... ; worker kinds:
                     // checkpoint, stage_change ...
  std::string detail;  // one human-readable line with the reason and the numbers
  Scalars numbers;     // the numbers that triggered a decision (may be empty)
};

// Read side of the store: what the REST handler and the terminal view need. Implemented by
// Store (SQLite); tests use an in-memory fake.
class StoreReader {
 public:
  static constexpr size_t kAllRows = static_cast<size_t>(-1);
  virtual ~StoreReader() = default;
  virtual std::vector<ExperimentRow> experiments() const = 0;
  virtual std::vector<JobRow> jobs() const = 0;
  virtual std::optional<JobRow> job(const std::string& id) const = 0;
  virtual std::vector<AttemptRow> attempts(const std::string& job_id) const = 0;
  // The job's metric history, ordered by step: rows with step > since_step, at most
  // `limit`, excluding rows superseded by a later attempt that restarted from an earlier
  // step (so every step appears once).
  virtual std::vector<MetricRow> metrics(const std::string& job_id, int64_t since_step,
                                         size_t limit) const = 0;
  // The job's validation history, ordered by step, superseded rows excluded like metrics':
  // rows with step > since_step, at most `limit` (validations carry samples: pages keep a
  // response bounded).
  virtual std::vector<ValidationRow> validations(const std::string& job_id, int64_t since_step = -1,
                                                 size_t limit = kAllRows) const = 0;
  virtual std::vector<CheckpointRow> checkpoints(const std::string& job_id) const = 0;
  // Events with id > since_id, oldest first, at most `limit`; job_id "" = all jobs.
  virtual std::vector<EventRow> events(int64_t since_id, const std::string& job_id,
                                       size_t limit) const = 0;
};

}  // namespace cog::coord
