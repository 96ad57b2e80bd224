#pragma once
// Column-aligned tables for people (`--json` is the form for scripts).
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cog::ctl {

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// A JSON value as a cell: null -> "-", numbers with `digits` significant digits (integers
// whole), strings as they are, anything else as compact JSON.
std::string cell(const nlohmann::json& value, int digits = 4);
// The named member of an object as a cell ("-" when absent).
std::string cell(const nlohmann::json& object, const char* key, int digits = 4);
// Seconds since the epoch as local "YYYY-MM-DD HH:MM:SS".
std::string timeCell(const nlohmann::json& seconds);

}  // namespace cog::ctl
