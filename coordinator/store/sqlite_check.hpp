#pragma once
// The one checker for SQLite return codes (STYLE.md rule 5) and the error it throws.
#include <string>

#include "common/error.hpp"

struct sqlite3;

namespace cog::coord {

// The coordinator's store could not be opened, read or written. The message names the
// database file, what was being done and SQLite's own explanation.
class StoreError : public Error {
 public:
  using Error::Error;
};

// Another connection held the database's lock for longer than the busy timeout
// (SQLITE_BUSY / SQLITE_LOCKED): the operation may succeed if tried again later.
class StoreBusyError : public StoreError {
 public:
  using StoreError::StoreError;
};

// Throws StoreError("<what>: <sqlite3_errmsg(db)> (code N)") unless rc is SQLITE_OK,
// SQLITE_ROW or SQLITE_DONE; StoreBusyError for a busy or locked database. `db` may be null (then only the code's generic text is used).
void sqliteCheck(int rc, sqlite3* db, const std::string& what);

}  // namespace cog::coord
