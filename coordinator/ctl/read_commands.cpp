// status, jobs, job: one GET each (job: three), printed as tables.
#include "comms/wire/metric_names.hpp"
#include "coordinator/ctl/commands.hpp"
#include "coordinator/ctl/text_table.hpp"

namespace cog::ctl {
namespace metric = cog::wire::metric;
using nlohmann::json;

namespace {

void printJobTable(const json& jobs, std::ostream& out) {
  TextTable table({"JOB", "STATE", "ATTEMPT", "STEP", "EPOCH", "LOSS", "BEST VAL", "BEST EM", "TOK/S", "ETA S",
                   "RESTARTS", "RELAUNCHES", "END"});
  for (const json& j : jobs) {
    const json last = j.value("last_metrics", json::object());
    table.add({cell(j, "id"), cell(j, "state"), cell(j, "attempt"), cell(j, "step"), cell(j, "epoch"),
               cell(last, metric::kLoss), cell(j, "best_val_loss"), cell(j, "best_exact_match", 3),
               cell(last, metric::kTokensPerS, 5), cell(last, metric::kEtaS, 4), cell(j, "restarts"),
               cell(j, "relaunches"), cell(j, "end_reason")});
  }
  table.print(out);
}

}  // namespace

int showStatus(const RestClient& client, const Output& o) {
  const json experiments = client.getJson("/api/v1/experiments");
  const json jobs = client.getJson("/api/v1/jobs");
  if (o.json) {
    o.out << json{{"coordinator", client.url()}, {"experiments", experiments["experiments"]}, {"jobs", jobs["jobs"]}}.dump(2)
          << "\n";
    return 0;
  }
  o.out << "coordinator " << client.url() << "\n";
  TextTable table({"EXPERIMENT", "STATE", "CREATED", "UPDATED"});
  for (const json& e : experiments["experiments"]) {
    table.add({cell(e, "id"), cell(e, "state"), timeCell(e.value("created_at", json())),
               timeCell(e.value("updated_at", json()))});
  }
  table.print(o.out);
  o.out << "\n";
  printJobTable(jobs["jobs"], o.out);
  return 0;
}

int showJobs(const RestClient& client, const Output& o) {
  const json jobs = client.getJson("/api/v1/jobs");
  if (o.json) {
    o.out << jobs.dump(2) << "\n";
    return 0;
  }
  printJobTable(jobs["jobs"], o.out);
  return 0;
}

int showJob(const RestClient& client, const std::string& job, const Output& o) {
  const std::string base = "/api/v1/jobs/" + urlEncode(job);
  json detail = client.getJson(base);
  const json attempts = client.getJson(base + "/attempts");
  if (o.json) {
    detail["attempts"] = attempts["attempts"];
    o.out << detail.dump(2) << "\n";
    return 0;
  }
  TextTable fields({"FIELD", "VALUE"});
  for (const auto& [key, value] : detail.items()) {
    if (value.is_array() || key == "last_metrics") continue;
    fields.add({key, key.size() > 3 && key.substr(key.size() - 3) == "_at" ? timeCell(value) : cell(value, 6)});
  }
  fields.print(o.out);
  if (detail.contains("last_metrics") && !detail["last_metrics"].empty()) {
    o.out << "\nlast metrics:";
    for (const auto& [name, value] : detail["last_metrics"].items()) o.out << " " << name << "=" << cell(value);
    o.out << "\n";
  }
  o.out << "\n";
  TextTable at({"ATTEMPT", "KIND", "START STEP", "FROM CHECKPOINT", "LR x", "STARTED", "END", "WHY", "OPERATOR --set"});
  for (const json& a : attempts["attempts"]) {
    std::string sets;
    for (const json& s : a.value("operator_overrides", json::array())) sets += (sets.empty() ? "" : " ") + cell(s);
    at.add({cell(a, "attempt"), cell(a, "kind"), cell(a, "start_step"), cell(a, "start_checkpoint"), cell(a, "lr_factor"),
            timeCell(a.value("started_at", json())), cell(a, "end"), cell(a, "end_reason"), sets.empty() ? "-" : sets});
  }
  at.print(o.out);
  o.out << "\n";
  TextTable decisions({"TIME", "ATTEMPT", "DECISION", "DETAIL"});
  for (const json& e : detail.value("decisions", json::array())) {
    decisions.add({timeCell(e.value("time", json())), cell(e, "attempt"), cell(e, "kind"), cell(e, "detail")});
  }
  if (!decisions.empty()) {
    decisions.print(o.out);
    o.out << "\n";
  }
  TextTable checkpoints({"CHECKPOINT", "ATTEMPT", "STEP", "VAL LOSS", "HEALTHY", "PATH"});
  for (const json& c : detail.value("checkpoints", json::array())) {
    checkpoints.add({cell(c, "name"), cell(c, "attempt"), cell(c, "step"), cell(c, "val_loss"), cell(c, "healthy"), cell(c, "path")});
  }
  if (!checkpoints.empty()) checkpoints.print(o.out);
  return 0;
}

}  // namespace cog::ctl
