#pragma once
// SQL from the one column description of each row (row_columns.hpp): the column list and
// its definitions, binding a row's members to :name parameters, reading a result row back.
// Private to the store library.
#include <string>
#include <type_traits>
#include <vector>

#include "coordinator/store/row_columns.hpp"
#include "coordinator/store/scalars_json.hpp"
#include "coordinator/store/sqlite_check.hpp"
#include "coordinator/store/statement.hpp"

namespace cog::coord {

// A row type's columns as SQL text, computed once per type.
struct RowSql {
  std::vector<std::string> names;
  std::string definitions;  // "job_id TEXT NOT NULL, attempt INTEGER NOT NULL, ..."
  std::string name_list;    // "job_id, attempt, ..."
  std::string parameters;   // ":job_id, :attempt, ..."
  // "a = excluded.a, ..." for every column but `keep` (ON CONFLICT DO UPDATE SET ...).
  std::string updateFromExcluded(const std::vector<std::string>& keep) const;
  // name_list / parameters without column `skip`.
  std::string namesWithout(const std::string& skip) const;
  std::string parametersWithout(const std::string& skip) const;
};

namespace row_sql_detail {

template <typename T>
const char* sqlType() {
  if constexpr (std::is_same_v<T, double>) {
    return "REAL";  // NULL is NaN, the store's "no value"
  } else if constexpr (std::is_integral_v<T>) {
    return "INTEGER NOT NULL";
  } else {
    return "TEXT NOT NULL";  // strings, JSON, enum names
  }
}

struct Collect {
  RowSql& sql;
  template <typename T>
  Collect& operator()(const char* name, const T&) {
    const std::string sep = sql.names.empty() ? "" : ", ";
    sql.names.emplace_back(name);
    sql.definitions += sep + name + " " + sqlType<T>();
    sql.name_list += sep + name;
    sql.parameters += sep + ":" + name;
    return *this;
  }
};

struct Bind {
  Statement& s;
  const char* skip;  // a column the statement does not set (an AUTOINCREMENT id), or null
  template <typename T>
  Bind& operator()(const char* name, const T& v) {
    if (skip != nullptr && std::string(skip) == name) return *this;
    const int index = s.parameterIndex(std::string(":") + name);
    if constexpr (std::is_same_v<T, bool>) {
      s.bind(index, v ? 1 : 0);
    } else if constexpr (std::is_enum_v<T>) {
      s.bind(index, std::string(nameOf(v)));
    } else if constexpr (std::is_integral_v<T>) {
      s.bind(index, static_cast<int64_t>(v));
    } else if constexpr (std::is_same_v<T, double> || std::is_same_v<T, std::string>) {
      s.bind(index, v);
    } else if constexpr (std::is_same_v<T, JsonText>) {
      s.bind(index, v.text);
    } else if constexpr (std::is_same_v<T, Scalars>) {
      s.bind(index, scalarsToJson(v));
    } else {
      static_assert(std::is_same_v<T, std::vector<std::string>>, "no column type for this member");
      s.bind(index, stringsToJson(v));
    }
    return *this;
  }
};

struct Read {
  const Statement& s;
  const std::string& context;  // "coord.db: jobs", for errors
  int column = 0;
  template <typename T>
  Read& operator()(const char* name, T& v) {
    const int c = column++;
    const std::string what = context + " column " + name;
    if constexpr (std::is_same_v<T, bool>) {
      v = s.columnInt(c) != 0;
    } else if constexpr (std::is_enum_v<T>) {
      const std::string text = s.columnText(c);
      const auto parsed = fromName<T>(text);
      if (!parsed) throw StoreError(what + " holds '" + text + "', which this build does not know");
      v = *parsed;
    } else if constexpr (std::is_integral_v<T>) {
      v = static_cast<T>(s.columnInt(c));
    } else if constexpr (std::is_same_v<T, double>) {
      v = s.columnDouble(c);
    } else if constexpr (std::is_same_v<T, std::string>) {
      v = s.columnText(c);
    } else if constexpr (std::is_same_v<T, JsonText>) {
      v.text = s.columnText(c);
    } else if constexpr (std::is_same_v<T, Scalars>) {
      v = scalarsFromJson(s.columnText(c), what);
    } else {
      v = stringsFromJson(s.columnText(c), what);
    }
    return *this;
  }
};

}  // namespace row_sql_detail

template <typename Row>
const RowSql& rowSql() {
  static const RowSql sql = [] {
    RowSql out;
    Row row;
    row_sql_detail::Collect collect{out};
    columns(collect, row);
    return out;
  }();
  return sql;
}

// Binds every member of `row` to the statement's parameter of the same name (":job_id"),
// but the column `skip` (one the database assigns).
template <typename Row>
void bindRow(Statement& s, const Row& row, const char* skip = nullptr) {
  row_sql_detail::Bind bind{s, skip};
  columns(bind, row);
}

// Reads the current result row, whose first columns are rowSql<Row>().name_list in order.
template <typename Row>
Row readRow(const Statement& s, const std::string& context) {
  Row row;
  row_sql_detail::Read read{s, context};
  columns(read, row);
  return row;
}

}  // namespace cog::coord
