#include "coordinator/store/store.hpp"

#include <sqlite3.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "coordinator/store/row_sql.hpp"
#include "coordinator/store/schema.hpp"
#include "coordinator/store/statement.hpp"

namespace cog::coord {
namespace {

// How long a write waits for another connection's lock (a cogctl reader checkpointing the
// WAL, say) before failing with SQLITE_BUSY: every wait has a timeout (STYLE.md rule 6).
constexpr int kBusyTimeoutMs = 5000;
// How long a write waits in all (busy timeout and retries) before it fails with StoreBusyError.
constexpr int kMaxBusyWaitMs = 120000;

std::string pragmaText(sqlite3* db, const std::string& file, const char* sql) {
  Statement s(db, sql, file);
  auto use = s.use();
  return s.step() ? s.columnText(0) : std::string();
}

}  // namespace

Store::Store(const std::filesystem::path& db_file, StoreAccess access) : file_(db_file.string()), access_(access) {
  // NOMUTEX: the connection is used from one thread only (see store.hpp). A reader opens
  // read-write without CREATE: WAL readers need the shared-memory file, which a read-only
  // connection cannot create once the owner has gone and removed it.
  const int flags =
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (access == StoreAccess::kOwner ? SQLITE_OPEN_CREATE : 0);
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
    if (access == StoreAccess::kOwner) {
      applySchema(db_, file_);
    } else {
      requireSchema(db_, file_);
    }
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

// Runs a transaction-control statement, waiting out another process's lock: SQLite's busy
// timeout waits kBusyTimeoutMs, and on SQLITE_BUSY this retries with a growing pause for up
// to kMaxBusyWaitMs in all, saying so once. The coordinator's loop waits meanwhile (its
// workers' reports queue up in ZeroMQ and in their own logs) rather than losing the batch.
void Store::runWaitingForLock(const char* sql) {
  const auto start = std::chrono::steady_clock::now();
  auto pause = std::chrono::milliseconds(50);
  bool warned = false;
  for (;;) {
    try {
      auto& s = statement(sql);
      auto use = s.use();
      s.run();
      if (warned) std::cerr << "cog store: " << file_ << " is writable again\n";
      return;
    } catch (const StoreBusyError& e) {
      const auto waited = std::chrono::steady_clock::now() - start;
      if (waited > std::chrono::milliseconds(kMaxBusyWaitMs)) throw;
      if (!warned) {
        std::cerr << "cog store: " << e.what()
                  << "; another process holds the database lock, waiting up to "
                  << kMaxBusyWaitMs / 1000 << " s\n";
        warned = true;
      }
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::milliseconds(2000));
    }
  }
}

void Store::beginWrite() {
  // Asking SQLite rather than keeping a flag: after some failures (disk full, I/O error)
  // SQLite rolls the transaction back by itself, and the next write must begin a new one.
  if (sqlite3_get_autocommit(db_) != 0) {
    // IMMEDIATE takes the write lock now, so a busy database fails (after the busy
    // timeout) here rather than in the middle of the batch.
    runWaitingForLock("BEGIN IMMEDIATE");
    pending_ = 0;
  }
  ++pending_;
}

void Store::flush() {
  if (sqlite3_get_autocommit(db_) == 0) runWaitingForLock("COMMIT");
  pending_ = 0;
}

namespace {

// "INSERT INTO table (cols) VALUES (:cols)" + `tail`, built once per call site.
template <typename Row>
std::string insertSql(const std::string& verb, const std::string& table,
                      const std::string& tail = "") {
  const auto& sql = rowSql<Row>();
  return verb + " INTO " + table + " (" + sql.name_list + ") VALUES (" + sql.parameters + ")" +
         tail;
}

// A row of an attempt that a later attempt restarted before (metric_cuts) is stored
// already superseded.
constexpr const char* kSupersededOnArrival =
    ", EXISTS (SELECT 1 FROM metric_cuts WHERE job_id = :job_id AND attempt > :attempt AND "
    "from_step < :step))";

}  // namespace

void Store::upsertExperiment(const ExperimentRow& r) {
  beginWrite();
  static const std::string sql = insertSql<ExperimentRow>(
      "INSERT", "experiments",
      " ON CONFLICT (id) DO UPDATE SET " +
          rowSql<ExperimentRow>().updateFromExcluded({"id", "created_at"}));
  auto& s = statement(sql.c_str());
  auto use = s.use();
  bindRow(s, r);
  s.run();
}

void Store::upsertJob(const JobRow& r) {
  jobs_cache_.reset();
  beginWrite();
  // ON CONFLICT DO UPDATE (not INSERT OR REPLACE) keeps the rowid, and so the job order.
  static const std::string sql = insertSql<JobRow>(
      "INSERT", "jobs",
      " ON CONFLICT (id) DO UPDATE SET " + rowSql<JobRow>().updateFromExcluded({"id"}));
  auto& s = statement(sql.c_str());
  auto use = s.use();
  bindRow(s, r);
  s.run();
}

void Store::insertAttempt(const AttemptRow& r) {
  beginWrite();
  static const std::string sql = insertSql<AttemptRow>("INSERT", "attempts");
  auto& s = statement(sql.c_str());
  auto use = s.use();
  bindRow(s, r);
  s.run();
}

void Store::updateAttempt(const AttemptRow& r) {
  beginWrite();
  static const std::string sql = [] {
    std::string set;
    for (const auto& name : rowSql<AttemptRow>().names) {
      if (name != "job_id" && name != "attempt")
        set += (set.empty() ? "" : ", ") + name + " = :" + name;
    }
    return "UPDATE attempts SET " + set + " WHERE job_id = :job_id AND attempt = :attempt";
  }();
  auto& s = statement(sql.c_str());
  auto use = s.use();
  bindRow(s, r);
  s.run();
  if (sqlite3_changes(db_) == 0) {
    throw StoreError(file_ + ": updateAttempt: job '" + r.job_id + "' has no attempt " +
                     std::to_string(r.attempt) + " (insertAttempt it first)");
  }
}

int Store::maxAttempt(const std::string& job_id) const {
  auto& s = statement("SELECT max(attempt) FROM attempts WHERE job_id = ?1");
  auto use = s.use();
  s.bind(1, job_id);
  return s.step() ? static_cast<int>(s.columnInt(0)) : 0;
}

void Store::appendMetric(const MetricRow& r) {
  beginWrite();
  static const std::string sql = "INSERT OR IGNORE INTO metrics (" + rowSql<MetricRow>().name_list +
                                 ", superseded) VALUES (" + rowSql<MetricRow>().parameters +
                                 kSupersededOnArrival;
  auto& s = statement(sql.c_str());
  auto use = s.use();
  bindRow(s, r);
  s.run();
}

void Store::appendValidation(const ValidationRow& r) {
  beginWrite();
  static const std::string sql = "INSERT OR IGNORE INTO validations (" +
                                 rowSql<ValidationRow>().name_list + ", superseded) VALUES (" +
                                 rowSql<ValidationRow>().parameters + kSupersededOnArrival;
  auto& s = statement(sql.c_str());
  auto use = s.use();
  bindRow(s, r);
  s.run();
}

void Store::appendCheckpoint(const CheckpointRow& r) {
  beginWrite();
  static const std::string sql = insertSql<CheckpointRow>("INSERT OR IGNORE", "checkpoints");
  auto& s = statement(sql.c_str());
  auto use = s.use();
  bindRow(s, r);
  s.run();
}

int Store::markCheckpointUnhealthy(const std::string& job_id, const std::string& path) {
  beginWrite();
  auto& s = statement(
      "UPDATE checkpoints SET healthy = 0 WHERE job_id = ?1 AND path = ?2 AND healthy != 0");
  auto use = s.use();
  s.bind(1, job_id).bind(2, path).run();
  return sqlite3_changes(db_);
}

int Store::forgetCheckpoint(const std::string& job_id, const std::string& path) {
  beginWrite();
  auto& s = statement("DELETE FROM checkpoints WHERE job_id = ?1 AND path = ?2");
  auto use = s.use();
  s.bind(1, job_id).bind(2, path).run();
  return sqlite3_changes(db_);
}

int64_t Store::appendEvent(EventRow r) {
  beginWrite();
  static const std::string sql = "INSERT INTO events (" + rowSql<EventRow>().namesWithout("id") +
                                 ") VALUES (" + rowSql<EventRow>().parametersWithout("id") + ")";
  auto& s = statement(sql.c_str());
  auto use = s.use();
  bindRow(s, r, "id");
  s.run();
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
  for (const char* sql :
       {"UPDATE metrics SET superseded = 1 WHERE job_id = ?1 AND attempt < ?2 AND step > ?3 "
        "AND superseded = 0",
        "UPDATE validations SET superseded = 1 WHERE job_id = ?1 AND attempt < ?2 AND step > ?3 "
        "AND superseded = 0"}) {
    auto& s = statement(sql);
    auto use = s.use();
    s.bind(1, job_id).bind(2, new_attempt).bind(3, step).run();
  }
}

}  // namespace cog::coord
