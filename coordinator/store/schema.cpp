#include "coordinator/store/schema.hpp"

#include <sqlite3.h>

#include "coordinator/store/sqlite_check.hpp"
#include "coordinator/store/statement.hpp"

namespace cog::coord {
namespace {

// Scalars and string lists are JSON text (scalars_json.hpp); NaN doubles are NULL.
// No foreign keys: rows are keyed by the experiment's own names, and a metric report that
// arrives before its job row (a backfill after a coordinator restart) must not be refused.
constexpr const char* kCreateV1 = R"sql(
CREATE TABLE experiments (
  id TEXT PRIMARY KEY, config_path TEXT NOT NULL, config_yaml TEXT NOT NULL,
  state TEXT NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL);
CREATE TABLE jobs (
  id TEXT PRIMARY KEY, experiment_id TEXT NOT NULL, model_config TEXT NOT NULL,
  state TEXT NOT NULL, attempt INTEGER NOT NULL, ranks INTEGER NOT NULL,
  slots INTEGER NOT NULL, restarts INTEGER NOT NULL, relaunches INTEGER NOT NULL,
  step INTEGER NOT NULL, epoch INTEGER NOT NULL, best_val_loss REAL,
  best_exact_match REAL, last_metrics TEXT NOT NULL, end_reason TEXT NOT NULL,
  updated_at REAL NOT NULL);
CREATE TABLE attempts (
  job_id TEXT NOT NULL, attempt INTEGER NOT NULL, kind TEXT NOT NULL,
  overrides TEXT NOT NULL, start_checkpoint TEXT NOT NULL, start_step INTEGER NOT NULL,
  run_dir TEXT NOT NULL, pid INTEGER NOT NULL, started_at REAL NOT NULL,
  ended_at REAL NOT NULL, end_reason TEXT NOT NULL, exit_code INTEGER NOT NULL,
  PRIMARY KEY (job_id, attempt));
-- One row per Metrics report. UNIQUE + INSERT OR IGNORE makes re-importing a report
-- (the backfill from the worker's metrics.jsonl) a no-op. The unique index, ordered
-- (job_id, step, attempt), is also the one the history reads by step: a second index
-- would cost every insert a third B-tree (superseded rows are few, filtered per row).
CREATE TABLE metrics (
  id INTEGER PRIMARY KEY, job_id TEXT NOT NULL, attempt INTEGER NOT NULL,
  step INTEGER NOT NULL, epoch INTEGER NOT NULL, time REAL NOT NULL,
  scalars TEXT NOT NULL, superseded INTEGER NOT NULL DEFAULT 0,
  UNIQUE (job_id, step, attempt));
-- "attempt A restarted from from_step": rows of earlier attempts with step > from_step
-- are superseded, including rows that arrive later (a late backfill of the old attempt).
CREATE TABLE metric_cuts (
  job_id TEXT NOT NULL, attempt INTEGER NOT NULL, from_step INTEGER NOT NULL,
  PRIMARY KEY (job_id, attempt));
CREATE TABLE validations (
  id INTEGER PRIMARY KEY, job_id TEXT NOT NULL, attempt INTEGER NOT NULL,
  step INTEGER NOT NULL, epoch INTEGER NOT NULL, time REAL NOT NULL,
  scalars TEXT NOT NULL, samples_json TEXT NOT NULL,
  UNIQUE (job_id, step, attempt));
CREATE TABLE checkpoints (
  id INTEGER PRIMARY KEY, job_id TEXT NOT NULL, attempt INTEGER NOT NULL,
  step INTEGER NOT NULL, name TEXT NOT NULL, path TEXT NOT NULL, val_loss REAL,
  healthy INTEGER NOT NULL, time REAL NOT NULL,
  UNIQUE (job_id, path, step));
-- AUTOINCREMENT: an event id is never reused, so "events since ID" stays exact.
CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, job_id TEXT NOT NULL,
  attempt INTEGER NOT NULL, source TEXT NOT NULL, kind TEXT NOT NULL,
  detail TEXT NOT NULL, numbers TEXT NOT NULL);
CREATE INDEX events_by_job ON events (job_id, id);
)sql";

int64_t queryInt(sqlite3* db, const std::string& db_file, const char* sql) {
  Statement s(db, sql, db_file);
  auto use = s.use();
  return s.step() ? s.columnInt(0) : 0;
}

void exec(sqlite3* db, const std::string& db_file, const std::string& sql,
          const std::string& what) {
  sqliteCheck(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), db, db_file + ": " + what);
}

}  // namespace

void applySchema(sqlite3* db, const std::string& db_file) {
  const int64_t version = queryInt(db, db_file, "PRAGMA user_version");
  if (version > kSchemaVersion) {
    throw StoreError(db_file + ": store schema version " + std::to_string(version) +
                     " is newer than this build understands (" + std::to_string(kSchemaVersion) +
                     "); run a newer cogcoord, or point it at a fresh state directory");
  }
  if (version == kSchemaVersion) return;
  const int64_t tables = queryInt(db, db_file, "SELECT count(*) FROM sqlite_schema");
  if (tables > 0) {
    throw StoreError(db_file + ": is a SQLite database but not a Cog store (it has " +
                     std::to_string(tables) +
                     " schema objects and no schema version); point cogcoord at a "
                     "fresh state directory");
  }
  // One transaction: a crash mid-creation leaves an empty file, not half a schema.
  exec(db, db_file,
       std::string("BEGIN IMMEDIATE;") + kCreateV1 +
           "PRAGMA user_version = " + std::to_string(kSchemaVersion) + ";COMMIT;",
       "create the store schema");
}

}  // namespace cog::coord
