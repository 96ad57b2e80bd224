#pragma once
// The store's tables, versioned with PRAGMA user_version.
#include <string>

struct sqlite3;

namespace cog::coord {

// Bump when the tables change (row_columns.hpp, schema.cpp). 2: typed job states and attempt
// ends, launch ids, divergence steps, superseded validations.
inline constexpr int kSchemaVersion = 2;  // (+ operator overrides, before any release)

// Creates the tables in an empty database, or checks that an existing one has this
// build's schema. Throws StoreError naming `db_file` when the file holds a newer schema
// (written by a newer Cog) or tables that are not Cog's.
void applySchema(sqlite3* db, const std::string& db_file);
// Checks, without writing, that `db_file` holds this build's schema (a reader's open).
void requireSchema(sqlite3* db, const std::string& db_file);

}  // namespace cog::coord
