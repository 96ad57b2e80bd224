#pragma once
// The coordinator's durable state: one SQLite file in WAL mode.
//
// Threading: one connection, used from ONE thread (the coordinator's event loop). Nothing
// here locks; readers on other threads need their own Store (WAL lets them read while this
// one writes).
//
// Locks: a write waits for another process's lock (busy timeout, then retries with backoff,
// up to two minutes) before it throws StoreBusyError.
//
// Batching: every write joins one open transaction, begun lazily on the first write;
// flush() commits it. The coordinator flushes every ~50 ms and after every decision, so
// thousands of metric rows per second cost one fsync-free commit each tick. With
// synchronous=NORMAL in WAL mode a committed transaction survives a kill -9 of the process
// (only an OS crash or power loss can lose the last commits); unflushed writes of a killed
// process are simply absent. Reads on this Store see its own unflushed writes.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "coordinator/store/records.hpp"
#include "coordinator/store/sqlite_check.hpp"

struct sqlite3;

namespace cog::coord {

class Statement;

// kOwner: the coordinator that runs the experiment (creates the file and schema, writes).
// kReader: another process reading it (`cogcoord serve`): the file must exist with this
// build's schema, nothing is written, and nothing read is cached (the owner may be writing).
enum class StoreAccess { kOwner, kReader };

class Store : public StoreReader {
 public:
  // Opens or creates `db_file` (its directory must exist) and its schema. Throws StoreError
  // naming the file if it is not a SQLite database, holds a newer schema, or cannot be
  // opened. ":memory:" gives a private in-memory store (no WAL; for tests).
  explicit Store(const std::filesystem::path& db_file, StoreAccess access = StoreAccess::kOwner);
  // Flushes; a failure here is printed to stderr (destructors must not throw).
  ~Store() override;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // --- writes (join the open transaction; durable after flush) ---
  // Inserts or replaces every field but created_at, which keeps its first value.
  void upsertExperiment(const ExperimentRow& row);
  // Inserts or replaces every field; jobs() keeps the order of first insertion.
  void upsertJob(const JobRow& row);
  // Throws StoreError if (job_id, attempt) already exists.
  void insertAttempt(const AttemptRow& row);
  // The largest attempt number stored for the job (0: none). A new attempt takes this + 1,
  // so an attempt number, and with it a run folder, is never used twice.
  int maxAttempt(const std::string& job_id) const;
  // Replaces the row with the same (job_id, attempt); throws StoreError if there is none.
  void updateAttempt(const AttemptRow& row);
  // Idempotent: a second report with the same (job_id, attempt, step) is ignored. A row
  // of an attempt that a later attempt restarted before (supersedeMetricsAfter) is stored
  // already superseded.
  void appendMetric(const MetricRow& row);
  // Idempotent like appendMetric, by (job_id, attempt, step), and superseded like it.
  void appendValidation(const ValidationRow& row);
  // Idempotent by (job_id, path, step).
  void appendCheckpoint(const CheckpointRow& row);
  // Marks every checkpoint row of `job_id` at `path` unhealthy; returns how many rows
  // changed (0: no such checkpoint, or already unhealthy).
  int markCheckpointUnhealthy(const std::string& job_id, const std::string& path);
  // Retention deleted it (the event log says so): the row goes.
  int forgetCheckpoint(const std::string& job_id, const std::string& path);
  // Stores the event (row.id is ignored) and returns its new id.
  int64_t appendEvent(EventRow row);
  // Attempt `new_attempt` restarted from the checkpoint at `step` and will replay the
  // steps after it: metric and validation rows of earlier attempts with step > `step` are
  // superseded, now and when they arrive later, so each step appears once in metrics()
  // and validations().
  void supersedeMetricsAfter(const std::string& job_id, int64_t step, int new_attempt);

  // Commits the open transaction (no-op when nothing is pending).
  void flush();
  // Write calls since the last flush.
  size_t pendingWrites() const { return pending_; }

  // --- reads (StoreReader; see records.hpp) ---
  std::vector<ExperimentRow> experiments() const override;
  std::vector<JobRow> jobs() const override;
  std::optional<JobRow> job(const std::string& id) const override;
  std::vector<AttemptRow> attempts(const std::string& job_id) const override;
  std::vector<MetricRow> metrics(const std::string& job_id, int64_t since_step,
                                 size_t limit) const override;
  std::vector<ValidationRow> validations(const std::string& job_id, int64_t since_step = -1,
                                         size_t limit = kAllRows) const override;
  std::vector<CheckpointRow> checkpoints(const std::string& job_id) const override;
  std::vector<EventRow> events(int64_t since_id, const std::string& job_id,
                               size_t limit) const override;

  // Metric rows of `job_id` ("" = all jobs), with or without superseded ones.
  int64_t metricCount(const std::string& job_id, bool include_superseded) const;
  // The largest step reported by that attempt, or -1 if it reported none.
  int64_t maxMetricStep(const std::string& job_id, int attempt) const;

  const std::string& file() const { return file_; }

 private:
  // The prepared statement for `sql`, prepared on first use and then reused; `sql` must be
  // a literal or other static string (its address is the cache key).
  Statement& statement(const char* sql) const;
  void runWaitingForLock(const char* sql);
  void beginWrite();
  void close() noexcept;

  std::string file_;
  StoreAccess access_;
  sqlite3* db_ = nullptr;
  mutable std::unordered_map<const char*, std::unique_ptr<Statement>> statements_;
  size_t pending_ = 0;
  // The jobs table as last read. The REST endpoint reads it on most requests and only this
  // connection writes it (upsertJob clears the copy), so it is served from memory between
  // writes: tens of thousands of requests per second against a handful of writes. (One
  // coordinator per state dir: another process writing the same file is not expected.)
  mutable std::optional<std::vector<JobRow>> jobs_cache_;
};

}  // namespace cog::coord
