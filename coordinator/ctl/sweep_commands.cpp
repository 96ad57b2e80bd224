// sweeps: the running sweeps (GET /api/v1/sweeps), or one sweep's trials ranked best first
// with their hyperparameters, ASHA rung and metric, its rungs and the best trial's --set line
// (GET /api/v1/sweeps/{id}), from the coordinator that runs the sweep or from `cogcoord serve`
// of its state dir (coordinator/sweep/saved_sweep.hpp).
#include "coordinator/ctl/commands.hpp"
#include "coordinator/ctl/text_table.hpp"

namespace cog::ctl {
using nlohmann::json;

namespace {

std::string hyperparameterCell(const json& values) {
  std::string text;
  for (const auto& [key, value] : values.items()) {
    text += (text.empty() ? "" : " ") + key + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
  }
  return text;
}

void printSweep(const json& sweep, std::ostream& out) {
  out << "sweep " << sweep.value("id", "?") << " (" << sweep.value("searcher", "?") << ", "
      << sweep.value("metric", "?") << " " << sweep.value("mode", "?") << ", resource in "
      << sweep.value("unit", "?") << ")\n";
  for (const json& model : sweep.value("models", json::array())) {
    out << "\nmodel " << model.value("name", "?") << "\n";
    TextTable trials({"TRIAL", "JOB", "STATUS", "RESOURCE", "RUNG", "METRIC", "HYPERPARAMETERS"});
    for (const json& t : model.value("trials", json::array())) {
      trials.add({cell(t, "trial"), cell(t, "job"), cell(t, "status"), cell(t, "resource"), cell(t, "rung"),
                  cell(t, "metric"), hyperparameterCell(t.value("hyperparameters", json::object()))});
    }
    trials.print(out);
    if (model.contains("rungs")) {
      TextTable rungs({"RUNG MILESTONE", "RESULTS", "PROMOTED"});
      for (const json& r : model["rungs"]) rungs.add({cell(r, "milestone"), cell(r, "results"), cell(r, "promoted")});
      out << "\n";
      rungs.print(out);
    }
    const json best = model.value("best", json());
    if (best.is_object()) out << "\nbest " << cell(best, "job") << " (" << cell(best, "metric") << "): " << cell(best, "set") << "\n";
  }
}

}  // namespace

int showSweeps(const RestClient& client, const std::string& sweep, const Output& o) {
  if (!sweep.empty()) {
    const json detail = client.getJson("/api/v1/sweeps/" + urlEncode(sweep));
    if (o.json) {
      o.out << detail.dump(2) << "\n";
      return 0;
    }
    printSweep(detail, o.out);
    return 0;
  }
  const json list = client.getJson("/api/v1/sweeps");
  if (o.json) {
    o.out << list.dump(2) << "\n";
    return 0;
  }
  TextTable table({"SWEEP", "SEARCHER", "METRIC", "MODEL", "TRIALS", "BEST JOB", "BEST METRIC"});
  for (const json& s : list.value("sweeps", json::array())) {
    for (const json& model : s.value("models", json::array())) {
      const json best = model.value("best", json());
      table.add({cell(s, "id"), cell(s, "searcher"), cell(s, "metric"), cell(model, "name"), cell(model, "trials"),
                 best.is_object() ? cell(best, "job") : "-", best.is_object() ? cell(best, "metric") : "-"});
    }
  }
  if (table.empty()) {
    o.out << "no sweep in this coordinator or state dir (`cogcoord sweep FILE` starts one)\n";
    return 0;
  }
  table.print(o.out);
  return 0;
}

}  // namespace cog::ctl
