#include "coordinator/store/statement.hpp"

#include <sqlite3.h>

#include <cmath>
#include <limits>

#include "coordinator/store/sqlite_check.hpp"

namespace cog::coord {

Statement::Statement(sqlite3* db, std::string sql, std::string context)
    : db_(db), sql_(std::move(sql)), context_(std::move(context)) {
  // PERSISTENT: these statements live as long as the connection, so SQLite may place them
  // in memory that is not meant for short-lived allocations.
  const int rc = sqlite3_prepare_v3(db_, sql_.c_str(), static_cast<int>(sql_.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
    fail(rc, "prepare");
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::fail(int rc, const std::string& doing) const {
  sqliteCheck(rc, db_, context_ + ": " + doing + " [" + sql_ + "]");
  throw StoreError(context_ + ": " + doing + " [" + sql_ + "] failed with sqlite code " +
                   std::to_string(rc));
}

int Statement::parameterIndex(const std::string& name) const {
  const int index = sqlite3_bind_parameter_index(stmt_, name.c_str());
  if (index == 0) throw StoreError(context_ + ": no parameter " + name + " in [" + sql_ + "]");
  return index;
}

Statement& Statement::bind(int index, int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) fail(rc, "bind ?" + std::to_string(index));
  return *this;
}

Statement& Statement::bind(int index, double value) {
  const int rc = std::isnan(value) ? sqlite3_bind_null(stmt_, index)
                                   : sqlite3_bind_double(stmt_, index, value);
  if (rc != SQLITE_OK) fail(rc, "bind ?" + std::to_string(index));
  return *this;
}

Statement& Statement::bind(int index, const std::string& value) {
  // SQLITE_TRANSIENT copies the text: callers may pass temporaries.
  const int rc = sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                                   SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) fail(rc, "bind ?" + std::to_string(index));
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(rc, "step");
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() {
  // sqlite3_reset repeats the last step's error code; that error was already reported by
  // step(), so it is not rethrown here (reset also runs from destructors).
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Statement::columnInt(int column) const { return sqlite3_column_int64(stmt_, column); }

double Statement::columnDouble(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL)
    return std::numeric_limits<double>::quiet_NaN();
  return sqlite3_column_double(stmt_, column);
}

std::string Statement::columnText(int column) const {
  const auto* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

}  // namespace cog::coord
