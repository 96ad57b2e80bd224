#include "coordinator/ctl/text_table.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <iomanip>
#include <sstream>

namespace cog::ctl {

void TextTable::print(std::ostream& out) const {
  std::vector<size_t> width(header_.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) width[i] = std::max(width[i], row[i].size());
  };
  measure(header_);
  for (const auto& row : rows_) measure(row);
  auto line = [&](const std::vector<std::string>& row) {
    std::string text;
    for (size_t i = 0; i < width.size(); ++i) {
      const std::string& c = i < row.size() ? row[i] : std::string();
      text += c;
      if (i + 1 < width.size()) text += std::string(width[i] - c.size() + 2, ' ');
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out << text << "\n";
  };
  line(header_);
  for (const auto& row : rows_) line(row);
}

std::string cell(const nlohmann::json& value, int digits) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "yes" : "no";
  if (value.is_number_integer()) return std::to_string(value.get<long long>());
  if (value.is_number()) {
    const double v = value.get<double>();
    std::ostringstream text;
    text << std::setprecision(digits) << v;
    return text.str();
  }
  return value.dump();
}

std::string cell(const nlohmann::json& object, const char* key, int digits) {
  if (!object.is_object() || !object.contains(key)) return "-";
  return cell(object.at(key), digits);
}

std::string timeCell(const nlohmann::json& seconds) {
  if (!seconds.is_number() || seconds.get<double>() <= 0) return "-";
  const std::time_t t = static_cast<std::time_t>(std::floor(seconds.get<double>()));
  std::tm local{};
  localtime_r(&t, &local);
  std::ostringstream text;
  text << std::put_time(&local, "%Y-%m-%d %H:%M:%S");
  return text.str();
}

}  // namespace cog::ctl
