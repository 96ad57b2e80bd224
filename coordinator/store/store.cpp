#include "coordinator/store/store.hpp"

#include <sqlite3.h>

#include <iostream>

#include "coordinator/store/scalars_json.hpp"
#include "coordinator/store/schema.hpp"
#include "coordinator/store/statement.hpp"

namespace cog::coord {
namespace {

// How long a write waits for another connection's lock (a cogctl reader checkpointing the
// WAL, say) before failing with SQLITE_BUSY: every wait has a timeout (STYLE.md rule 6).
constexpr int kBusyTimeoutMs = 5000;

std::string pragmaText(sqlite3* db, const std::string& file, const char* sql) {
  Statement s(db, sql, file);
  auto use = s.use();
  return s.step() ? s.columnText(0) : std::string();
}

}  // namespace

Store::Store(const std::filesystem::path& db_file) : file_(db_file.string()) {
  // NOMUTEX: the connection is used from one thread only (see store.hpp).
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(file_.c_str(), &db_, flags, nullptr);
  try {
    sqliteCheck(rc, db_, file_ + ": open the store");
    sqliteCheck(sqlite3_busy_timeout(db_, kBusyTimeoutMs), db_, file_ + ": set busy timeout");
    // The first statement reads the file header: this is where "file is not a database"
    // shows up.
    const std::string mode = pragmaText(db_, file_, "PRAGMA journal_mode = WAL");
    if (mode != "wal" && !(file_ == ":memory:" && mode == "memory")) {
      throw StoreError(file_ + ": cannot switch the store to WAL journaling (got '" + mode +
                       "'); is it on a file system without shared memory support?");
    }
    // NORMAL in WAL mode: commits do not fsync, yet a killed process loses nothing that
    // was committed; only an OS crash can lose the last few commits.
    sqliteCheck(sqlite3_exec(db_, "PRAGMA synchronous = NORMAL", nullptr, nullptr, nullptr), db_,
                file_ + ": set synchronous = NORMAL");
    // 32 MiB of page cache (default 2 MiB): the metric indexes' hot pages stay in memory
    // instead of being re-read from the WAL on every batch.
    sqliteCheck(sqlite3_exec(db_, "PRAGMA cache_size = -32768", nullptr, nullptr, nullptr), db_,
                file_ + ": set cache_size");
    applySchema(db_, file_);
  } catch (...) {
    close();
    throw;
  }
}

Store::~Store() {
  try {
    flush();
  } catch (const std::exception& e) {
    std::cerr << "cog store: " << e.what() << " (the last unflushed writes are lost)\n";
  }
  close();
}

void Store::close() noexcept {
  statements_.clear();  // statements must be finalized before the connection closes
  // close_v2 rolls back a transaction a failed flush left open.
  sqlite3_close_v2(db_);
  db_ = nullptr;
}

Statement& Store::statement(const char* sql) const {
  auto it = statements_.find(sql);
  if (it == statements_.end())
    it = statements_.emplace(sql, std::make_unique<Statement>(db_, sql, file_)).first;
  return *it->second;
}

void Store::beginWrite() {
  // Asking SQLite rather than keeping a flag: after some failures (disk full, I/O error)
  // SQLite rolls the transaction back by itself, and the next write must begin a new one.
  if (sqlite3_get_autocommit(db_) != 0) {
    // IMMEDIATE takes the write lock now, so a busy database fails (after the busy
    // timeout) here rather than in the middle of the batch.
    auto& s = statement("BEGIN IMMEDIATE");
    auto use = s.use();
    s.run();
    pending_ = 0;
  }
  ++pending_;
}

void Store::flush() {
  if (sqlite3_get_autocommit(db_) == 0) {
    auto& s = statement("COMMIT");
    auto use = s.use();
    s.run();
  }
  pending_ = 0;
}

void Store::upsertExperiment(const ExperimentRow& r) {
  beginWrite();
  auto& s = statement(
      "INSERT INTO experiments (id, config_path, config_yaml, state, created_at, updated_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO UPDATE SET "
      "config_path = excluded.config_path, config_yaml = excluded.config_yaml, "
      "state = excluded.state, updated_at = excluded.updated_at");
  auto use = s.use();
  s.bind(1, r.id).bind(2, r.config_path).bind(3, r.config_yaml).bind(4, r.state);
  s.bind(5, r.created_at).bind(6, r.updated_at).run();
}

void Store::upsertJob(const JobRow& r) {
  jobs_cache_.reset();
  beginWrite();
  // ON CONFLICT DO UPDATE (not INSERT OR REPLACE) keeps the rowid, and so the job order.
  auto& s = statement(
      "INSERT INTO jobs (id, experiment_id, model_config, state, attempt, ranks, slots, "
      "restarts, relaunches, step, epoch, best_val_loss, best_exact_match, last_metrics, "
      "end_reason, updated_at) VALUES "
      "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) "
      "ON CONFLICT (id) DO UPDATE SET experiment_id = excluded.experiment_id, "
      "model_config = excluded.model_config, state = excluded.state, "
      "attempt = excluded.attempt, ranks = excluded.ranks, slots = excluded.slots, "
      "restarts = excluded.restarts, relaunches = excluded.relaunches, "
      "step = excluded.step, epoch = excluded.epoch, best_val_loss = excluded.best_val_loss, "
      "best_exact_match = excluded.best_exact_match, last_metrics = excluded.last_metrics, "
      "end_reason = excluded.end_reason, updated_at = excluded.updated_at");
  auto use = s.use();
  s.bind(1, r.id).bind(2, r.experiment_id).bind(3, r.model_config).bind(4, r.state);
  s.bind(5, r.attempt).bind(6, r.ranks).bind(7, r.slots).bind(8, r.restarts);
  s.bind(9, r.relaunches).bind(10, r.step).bind(11, r.epoch).bind(12, r.best_val_loss);
  s.bind(13, r.best_exact_match).bind(14, scalarsToJson(r.last_metrics));
  s.bind(15, r.end_reason).bind(16, r.updated_at).run();
}

namespace {

void bindAttempt(Statement& s, const AttemptRow& r) {
  s.bind(1, r.job_id).bind(2, r.attempt).bind(3, r.kind).bind(4, stringsToJson(r.overrides));
  s.bind(5, r.start_checkpoint).bind(6, r.start_step).bind(7, r.run_dir).bind(8, r.pid);
  s.bind(9, r.started_at).bind(10, r.ended_at).bind(11, r.end_reason).bind(12, r.exit_code);
}

}  // namespace

void Store::insertAttempt(const AttemptRow& r) {
  beginWrite();
  auto& s = statement(
      "INSERT INTO attempts (job_id, attempt, kind, overrides, start_checkpoint, start_step, "
      "run_dir, pid, started_at, ended_at, end_reason, exit_code) VALUES "
      "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
  auto use = s.use();
  bindAttempt(s, r);
  s.run();
}

void Store::updateAttempt(const AttemptRow& r) {
  beginWrite();
  auto& s = statement(
      "UPDATE attempts SET kind = ?3, overrides = ?4, start_checkpoint = ?5, "
      "start_step = ?6, run_dir = ?7, pid = ?8, started_at = ?9, ended_at = ?10, "
      "end_reason = ?11, exit_code = ?12 WHERE job_id = ?1 AND attempt = ?2");
  auto use = s.use();
  bindAttempt(s, r);
  s.run();
  if (sqlite3_changes(db_) == 0) {
    throw StoreError(file_ + ": updateAttempt: job '" + r.job_id + "' has no attempt " +
                     std::to_string(r.attempt) + " (insertAttempt it first)");
  }
}

void Store::appendMetric(const MetricRow& r) {
  beginWrite();
  auto& s = statement(
      "INSERT OR IGNORE INTO metrics (job_id, attempt, step, epoch, time, scalars, superseded) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, EXISTS (SELECT 1 FROM metric_cuts "
      "WHERE job_id = ?1 AND attempt > ?2 AND from_step < ?3))");
  auto use = s.use();
  s.bind(1, r.job_id).bind(2, r.attempt).bind(3, r.step).bind(4, r.epoch).bind(5, r.time);
  s.bind(6, scalarsToJson(r.scalars)).run();
}

void Store::appendValidation(const ValidationRow& r) {
  beginWrite();
  auto& s = statement(
      "INSERT OR IGNORE INTO validations (job_id, attempt, step, epoch, time, scalars, "
      "samples_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  auto use = s.use();
  s.bind(1, r.job_id).bind(2, r.attempt).bind(3, r.step).bind(4, r.epoch).bind(5, r.time);
  s.bind(6, scalarsToJson(r.scalars)).bind(7, r.samples_json).run();
}

void Store::appendCheckpoint(const CheckpointRow& r) {
  beginWrite();
  auto& s = statement(
      "INSERT OR IGNORE INTO checkpoints (job_id, attempt, step, name, path, val_loss, "
      "healthy, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  auto use = s.use();
  s.bind(1, r.job_id).bind(2, r.attempt).bind(3, r.step).bind(4, r.name).bind(5, r.path);
  s.bind(6, r.val_loss).bind(7, r.healthy ? 1 : 0).bind(8, r.time).run();
}

int Store::markCheckpointUnhealthy(const std::string& job_id, const std::string& path) {
  beginWrite();
  auto& s = statement(
      "UPDATE checkpoints SET healthy = 0 WHERE job_id = ?1 AND path = ?2 AND healthy != 0");
  auto use = s.use();
  s.bind(1, job_id).bind(2, path).run();
  return sqlite3_changes(db_);
}

int64_t Store::appendEvent(EventRow r) {
  beginWrite();
  auto& s = statement(
      "INSERT INTO events (time, job_id, attempt, source, kind, detail, numbers) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  auto use = s.use();
  s.bind(1, r.time).bind(2, r.job_id).bind(3, r.attempt).bind(4, r.source).bind(5, r.kind);
  s.bind(6, r.detail).bind(7, scalarsToJson(r.numbers)).run();
  return sqlite3_last_insert_rowid(db_);
}

void Store::supersedeMetricsAfter(const std::string& job_id, int64_t step, int new_attempt) {
  beginWrite();
  {
    // Remembered so that late rows of the old attempts are stored superseded too.
    auto& s = statement(
        "INSERT OR REPLACE INTO metric_cuts (job_id, attempt, from_step) VALUES (?1, ?2, ?3)");
    auto use = s.use();
    s.bind(1, job_id).bind(2, new_attempt).bind(3, step).run();
  }
  auto& s = statement(
      "UPDATE metrics SET superseded = 1 WHERE job_id = ?1 AND attempt < ?2 AND step > ?3 "
      "AND superseded = 0");
  auto use = s.use();
  s.bind(1, job_id).bind(2, new_attempt).bind(3, step).run();
}

}  // namespace cog::coord
