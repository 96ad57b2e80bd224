#include "coordinator/store/sqlite_check.hpp"

#include <sqlite3.h>

namespace cog::coord {

void sqliteCheck(int rc, sqlite3* db, const std::string& what) {
  if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) return;
  // sqlite3_errmsg describes the most recent failure on this connection, which is the one
  // that produced rc as long as callers check immediately (they do: single-threaded use).
  const char* message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string text = what + ": " + message + " (sqlite code " + std::to_string(rc) + ")";
  const int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) throw StoreBusyError(std::move(text));
  throw StoreError(std::move(text));
}

}  // namespace cog::coord
