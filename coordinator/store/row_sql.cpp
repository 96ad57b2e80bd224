#include "coordinator/store/row_sql.hpp"

#include <algorithm>

namespace cog::coord {

std::string RowSql::updateFromExcluded(const std::vector<std::string>& keep) const {
  std::string out;
  for (const auto& name : names) {
    if (std::find(keep.begin(), keep.end(), name) != keep.end()) continue;
    out += (out.empty() ? "" : ", ") + name + " = excluded." + name;
  }
  return out;
}

std::string RowSql::namesWithout(const std::string& skip) const {
  std::string out;
  for (const auto& name : names) {
    if (name != skip) out += (out.empty() ? "" : ", ") + name;
  }
  return out;
}

std::string RowSql::parametersWithout(const std::string& skip) const {
  std::string out;
  for (const auto& name : names) {
    if (name != skip) out += (out.empty() ? ":" : ", :") + name;
  }
  return out;
}

}  // namespace cog::coord
