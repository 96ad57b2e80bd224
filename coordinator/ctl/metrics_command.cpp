// cogctl metrics: every page of a job's metrics (or its validations), as a table, CSV or JSON.
#include <algorithm>

#include "comms/wire/metric_names.hpp"
#include "coordinator/ctl/commands.hpp"
#include "coordinator/ctl/text_table.hpp"

namespace cog::ctl {
namespace metric = cog::wire::metric;
using nlohmann::json;

namespace {

// The rows of one job, every page: the routes answer at most `limit` rows and say where the
// next page starts. (The validations route has no name filter: the columns are picked here.)
json fetchRows(const RestClient& client, const MetricsQuery& query) {
  const std::string base = "/api/v1/jobs/" + urlEncode(query.job);
  std::string names;
  for (const std::string& n : query.names) names += (names.empty() ? "" : ",") + n;
  json rows = json::array();
  long long since = -1;
  while (true) {
    std::string target = base + (query.validations ? "/validations" : "/metrics") + "?since=" + std::to_string(since);
    if (!names.empty() && !query.validations) target += "&name=" + urlEncode(names);
    json page = client.getJson(target);
    for (json& row : page[query.validations ? "validations" : "metrics"]) rows.push_back(std::move(row));
    const long long next = page.value("next_since", since);
    if (!page.value("truncated", false) || next <= since) break;
    since = next;
  }
  return rows;
}

// Names in order of first appearance, or the ones asked for.
std::vector<std::string> columnNames(const json& rows, const MetricsQuery& query, bool for_people) {
  if (!query.names.empty()) return query.names;
  std::vector<std::string> names;
  for (const json& row : rows) {
    const json scalars = row.value("scalars", json::object());
    for (const auto& [name, value] : scalars.items()) {
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  }
  if (!for_people) return names;
  // A table with every scalar is too wide to read: the usual few, unless --name says.
  const std::vector<std::string> usual = query.validations
      ? std::vector<std::string>{metric::kValLoss, metric::kExactMatch, metric::kAnswered, metric::kTopTokenShare}
      : std::vector<std::string>{metric::kLoss, metric::kGradNorm, metric::kLrMuon, metric::kTokensPerS};
  std::vector<std::string> shown;
  for (const auto& n : usual) {
    if (std::find(names.begin(), names.end(), n) != names.end()) shown.push_back(n);
  }
  return shown.empty() ? names : shown;
}

// RFC 4180: quote a field holding a comma, quote or newline.
std::string csvField(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string csvNumber(const json& value) {
  if (value.is_null()) return "";
  if (value.is_number_float()) return json(value.get<double>()).dump();  // shortest exact form
  return cell(value);
}

}  // namespace

int showMetrics(const RestClient& client, const MetricsQuery& query, const Output& o) {
  const json rows = fetchRows(client, query);
  if (o.json) {
    o.out << json{{"job", query.job}, {query.validations ? "validations" : "metrics", rows}}.dump(2) << "\n";
    return 0;
  }
  const std::vector<std::string> names = columnNames(rows, query, !query.csv);
  if (query.csv) {
    o.out << "attempt,step,epoch,time";
    for (const auto& n : names) o.out << "," << csvField(n);
    o.out << "\n";
    for (const json& row : rows) {
      const json scalars = row.value("scalars", json::object());
      o.out << cell(row, "attempt") << "," << cell(row, "step") << "," << cell(row, "epoch") << ","
            << csvNumber(row.value("time", json()));
      for (const auto& n : names) o.out << "," << (scalars.contains(n) ? csvNumber(scalars[n]) : "");
      o.out << "\n";
    }
    return 0;
  }
  std::vector<std::string> header = {"ATTEMPT", "STEP", "EPOCH"};
  header.insert(header.end(), names.begin(), names.end());
  TextTable table(header);
  for (const json& row : rows) {
    const json scalars = row.value("scalars", json::object());
    std::vector<std::string> line = {cell(row, "attempt"), cell(row, "step"), cell(row, "epoch")};
    for (const auto& n : names) line.push_back(cell(scalars, n.c_str(), 5));
    table.add(std::move(line));
  }
  table.print(o.out);
  if (rows.empty()) o.out << "(no " << (query.validations ? "validations" : "metrics") << " yet)\n";
  return 0;
}

}  // namespace cog::ctl
