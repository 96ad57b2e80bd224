#include "coordinator/store/schema.hpp"

#include <sqlite3.h>

#include "coordinator/store/row_sql.hpp"
#include "coordinator/store/sqlite_check.hpp"
#include "coordinator/store/statement.hpp"

namespace cog::coord {
namespace {

// CREATE TABLE from a row's column description, with the table's own keys around it.
// `replace` swaps one column's definition (events.id is the AUTOINCREMENT key).
template <typename Row>
std::string createTable(const std::string& table, const std::string& before,
                        const std::string& after, const std::string& replace_column = "",
                        const std::string& replacement = "") {
  std::string definitions = rowSql<Row>().definitions;
  if (!replace_column.empty()) {
    const std::string old = replace_column + " INTEGER NOT NULL";
    definitions.replace(definitions.find(old), old.size(), replacement);
  }
  return "CREATE TABLE " + table + " (" + before + definitions + after + ");\n";
}

// No foreign keys: rows are keyed by the experiment's own names, and a metric report that
// arrives before its job row (a backfill after a coordinator restart) must not be refused.
std::string schemaSql() {
  std::string sql;
  sql += createTable<ExperimentRow>("experiments", "", ", PRIMARY KEY (id)");
  sql += createTable<JobRow>("jobs", "", ", PRIMARY KEY (id)");
  sql += createTable<AttemptRow>("attempts", "", ", PRIMARY KEY (job_id, attempt)");
  // One row per Metrics report. UNIQUE + INSERT OR IGNORE makes re-importing a report (the
  // backfill from the worker's metrics.jsonl) a no-op. The unique index, ordered (job_id,
  // step, attempt), is also the one the history reads by step: a second index would cost
  // every insert a third B-tree (superseded rows are few, filtered per row). Validations
  // work the same way.
  sql += createTable<MetricRow>(
      "metrics", "id INTEGER PRIMARY KEY, ",
      ", superseded INTEGER NOT NULL DEFAULT 0, UNIQUE (job_id, step, attempt)");
  sql += createTable<ValidationRow>(
      "validations", "id INTEGER PRIMARY KEY, ",
      ", superseded INTEGER NOT NULL DEFAULT 0, UNIQUE (job_id, step, attempt)");
  // "attempt A restarted from from_step": rows of earlier attempts with step > from_step
  // are superseded, including rows that arrive later (a late backfill of the old attempt).
  sql +=
      "CREATE TABLE metric_cuts (job_id TEXT NOT NULL, attempt INTEGER NOT NULL, from_step INTEGER "
      "NOT NULL, "
      "PRIMARY KEY (job_id, attempt));\n";
  sql += createTable<CheckpointRow>("checkpoints", "id INTEGER PRIMARY KEY, ",
                                    ", UNIQUE (job_id, path, step)");
  // AUTOINCREMENT: an event id is never reused, so "events since ID" stays exact.
  sql += createTable<EventRow>("events", "", "", "id", "id INTEGER PRIMARY KEY AUTOINCREMENT");
  sql += "CREATE INDEX events_by_job ON events (job_id, id);\n";
  return sql;
}

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

void requireSchema(sqlite3* db, const std::string& db_file) {
  const int64_t version = queryInt(db, db_file, "PRAGMA user_version");
  if (version != kSchemaVersion) {
    throw StoreError(db_file + ": holds store schema version " + std::to_string(version) + ", this build reads " +
                     std::to_string(kSchemaVersion) + (version == 0 ? " (is it a Cog store?)" : ""));
  }
}

void applySchema(sqlite3* db, const std::string& db_file) {
  const int64_t version = queryInt(db, db_file, "PRAGMA user_version");
  if (version > kSchemaVersion) {
    throw StoreError(db_file + ": store schema version " + std::to_string(version) +
                     " is newer than this build understands (" + std::to_string(kSchemaVersion) +
                     "); run a newer cogcoord, or point it at a fresh state directory");
  }
  if (version == kSchemaVersion) return;
  if (version > 0) {
    throw StoreError(db_file + ": store schema version " + std::to_string(version) +
                     " was written by an older " + "cogcoord (this build writes version " +
                     std::to_string(kSchemaVersion) +
                     "); finish that experiment with the cogcoord that started it, or start a "
                     "fresh state directory");
  }
  const int64_t tables = queryInt(db, db_file, "SELECT count(*) FROM sqlite_schema");
  if (tables > 0) {
    throw StoreError(db_file + ": is a SQLite database but not a Cog store (it has " +
                     std::to_string(tables) +
                     " schema objects and no schema version); point cogcoord at a "
                     "fresh state directory");
  }
  // One transaction: a crash mid-creation leaves an empty file, not half a schema.
  exec(db, db_file,
       "BEGIN IMMEDIATE;" + schemaSql() +
           "PRAGMA user_version = " + std::to_string(kSchemaVersion) + ";COMMIT;",
       "create the store schema");
}

}  // namespace cog::coord
