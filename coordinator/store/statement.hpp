#pragma once
// A prepared SQLite statement: prepared once, then bound, stepped and reset for each use.
// Not thread-safe (neither is the connection it belongs to).
#include <cstdint>
#include <string>

struct sqlite3;
struct sqlite3_stmt;

namespace cog::coord {

class Statement {
 public:
  // Prepares `sql` on `db`; `context` (the database file) prefixes every error message.
  Statement(sqlite3* db, std::string sql, std::string context);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Resets the statement when it goes out of scope, so an exception between bind and the
  // last step never leaves it half-run (a half-run read keeps its snapshot open).
  class Use {
   public:
    explicit Use(Statement& s) : s_(s) { s_.reset(); }
    ~Use() { s_.reset(); }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;

   private:
    Statement& s_;
  };
  [[nodiscard]] Use use() { return Use(*this); }

  // The index of a named parameter (":job_id"); throws StoreError when the SQL has none.
  int parameterIndex(const std::string& name) const;
  // Parameters are 1-based, as in SQL's ?1, ?2 ...
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  Statement& bind(int index, double value);  // NaN is stored as NULL (SQLite has no NaN)
  Statement& bind(int index, const std::string& value);

  // One step: true while a row is available, false when done; throws StoreError otherwise.
  bool step();
  // Steps a statement that returns no rows (INSERT, UPDATE ...) to completion.
  void run();
  // Undoes step() and clears the bindings.
  void reset();

  int64_t columnInt(int column) const;       // 0-based, as in sqlite3_column_*
  double columnDouble(int column) const;     // NULL reads as NaN
  std::string columnText(int column) const;  // NULL reads as ""

 private:
  [[noreturn]] void fail(int rc, const std::string& doing) const;

  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string sql_;
  std::string context_;
};

}  // namespace cog::coord
