#include "coordinator/http/rest_handler.hpp"

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/http/dashboard.hpp"
#include "coordinator/http/json_rows.hpp"
#include "coordinator/http/prometheus_text.hpp"
#include "coordinator/http/request_target.hpp"
#include "coordinator/http/rest_routes.hpp"

namespace cog::coord {
namespace {

// Limits on rows per response: large enough for a whole run's loss curve at the default
// report interval, small enough that one request cannot build a gigabyte of JSON on the
// coordinator's only thread.
constexpr int64_t kDefaultLimit = 10000;
constexpr int64_t kMaxLimit = 100000;
// Validations carry up to validation.generate_samples samples each: smaller pages.
constexpr int64_t kDefaultValidationLimit = 1000;
// Events are read in pages of this size when collecting a job's decisions.
constexpr size_t kEventPage = 1000;

const char* const kRouteList =
    "GET /, /healthz, /metrics, /api/v1/experiments, /api/v1/jobs, /api/v1/jobs/{id}, "
    "/api/v1/jobs/{id}/attempts, /api/v1/jobs/{id}/metrics, /api/v1/jobs/{id}/validations, "
    "/api/v1/jobs/{id}/logs, /api/v1/events, /api/v1/sweeps, /api/v1/sweeps/{id}; POST /api/v1/jobs/{id}/stop, "
    "/api/v1/jobs/{id}/checkpoint, /api/v1/jobs/{id}/relaunch, /api/v1/experiments/{id}/stop";

// Matches decoded segments; `id` receives the {id} segment of per-job and per-experiment
// routes (and the file name of /static/...).
std::optional<Route> matchRoute(const std::vector<std::string>& s, std::string& id) {
  if (s.empty()) return Route::kDashboard;
  if (s.size() == 2 && s[0] == "static") {
    id = s[1];
    return Route::kStatic;
  }
  if (s.size() == 1 && s[0] == "healthz") return Route::kHealthz;
  if (s.size() == 1 && s[0] == "metrics") return Route::kMetrics;
  if (s.size() < 3 || s[0] != "api" || s[1] != "v1") return std::nullopt;
  if (s.size() == 3 && s[2] == "experiments") return Route::kExperiments;
  if (s.size() == 3 && s[2] == "events") return Route::kEvents;
  if (s.size() == 5 && s[2] == "experiments" && s[4] == "stop") {
    id = s[3];
    return Route::kExperimentStop;
  }
  if (s[2] == "sweeps" && s.size() <= 4) {
    if (s.size() == 3) return Route::kSweeps;
    id = s[3];
    return Route::kSweep;
  }
  if (s[2] != "jobs") return std::nullopt;
  if (s.size() == 3) return Route::kJobs;
  id = s[3];
  if (s.size() == 4) return Route::kJob;
  if (s.size() != 5) return std::nullopt;
  if (s[4] == "attempts") return Route::kAttempts;
  if (s[4] == "metrics") return Route::kJobMetrics;
  if (s[4] == "validations") return Route::kValidations;
  if (s[4] == "logs") return Route::kLogs;
  if (s[4] == "stop") return Route::kJobStop;
  if (s[4] == "checkpoint") return Route::kJobCheckpoint;
  if (s[4] == "relaunch") return Route::kJobRelaunch;
  return std::nullopt;
}

}  // namespace

JobRow requireJob(const StoreReader& store, const std::string& id) {
  std::optional<JobRow> job = store.job(id);
  if (!job) {
    throw HttpError(HttpErrorKind::kNotFound,
                    "no job '" + id + "'; GET /api/v1/jobs lists the jobs of this coordinator");
  }
  return *job;
}

namespace {

// Comma-separated names; empty items ignored ("loss,,lr" = "loss,lr").
std::vector<std::string> splitNames(const std::string& text) {
  std::vector<std::string> names;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) names.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return names;
}

std::string jobDetail(const StoreReader& store, const std::string& id) {
  Json out = rowJson(requireJob(store, id));
  // All of the job's events, page by page: decisions are few, but worker events
  // (checkpoints, stage changes) can push them past any single page.
  Json decisions = Json::array();
  int64_t since = -1;
  while (true) {
    const std::vector<EventRow> page = store.events(since, id, kEventPage);
    for (const EventRow& e : page) {
      if (e.source != "coordinator") continue;
      decisions.push_back(rowJson(e, "job_id"));
    }
    // The second test stops a store that ignores since= from looping forever.
    if (page.size() < kEventPage || page.back().id <= since) break;
    since = page.back().id;
  }
  out["decisions"] = std::move(decisions);
  Json checkpoints = Json::array();
  for (const CheckpointRow& c : store.checkpoints(id)) checkpoints.push_back(rowJson(c, "job_id"));
  out["checkpoints"] = std::move(checkpoints);
  return dumpJson(out);
}

std::string jobMetrics(const StoreReader& store, const std::string& id, QueryParams& query) {
  const std::optional<std::string> nameParam = query.text("name");
  const int64_t since = query.integer("since", -1, -1, std::numeric_limits<int64_t>::max());
  const int64_t limit = query.integer("limit", kDefaultLimit, 1, kMaxLimit);
  query.rejectUnknown({"name", "since", "limit"});
  const std::vector<std::string> names =
      nameParam ? splitNames(*nameParam) : std::vector<std::string>{};
  requireJob(store, id);

  const std::vector<MetricRow> rows = store.metrics(id, since, static_cast<size_t>(limit));
  Json metrics = Json::array();
  for (const MetricRow& row : rows) {
    if (names.empty()) {
      metrics.push_back(rowJson(row, "job_id"));
      continue;
    }
    MetricRow picked = row;
    picked.scalars.clear();
    for (const auto& scalar : row.scalars) {
      for (const std::string& n : names) {
        if (scalar.first == n) picked.scalars.push_back(scalar);
      }
    }
    if (!picked.scalars.empty()) metrics.push_back(rowJson(picked, "job_id"));
  }
  return dumpJson(JsonObjectBuilder(4)
                      .add("job", id)
                      .add("metrics", std::move(metrics))
                      .add("next_since", rows.empty() ? since : rows.back().step)
                      .add("truncated", rows.size() >= static_cast<size_t>(limit))
                      .build());
}

// Paged like metrics: validations carry generated samples, so a long run's list is large.
std::string jobValidations(const StoreReader& store, const std::string& id, QueryParams& query) {
  const int64_t since = query.integer("since", -1, -1, std::numeric_limits<int64_t>::max());
  const int64_t limit = query.integer("limit", kDefaultValidationLimit, 1, kMaxLimit);
  query.rejectUnknown({"since", "limit"});
  requireJob(store, id);
  const std::vector<ValidationRow> rows = store.validations(id, since, static_cast<size_t>(limit));
  Json list = Json::array();
  for (const ValidationRow& v : rows) list.push_back(rowJson(v, "job_id"));
  return dumpJson(JsonObjectBuilder(4)
                      .add("job", id)
                      .add("validations", std::move(list))
                      .add("next_since", rows.empty() ? since : rows.back().step)
                      .add("truncated", rows.size() >= static_cast<size_t>(limit))
                      .build());
}

std::string events(const StoreReader& store, QueryParams& query) {
  const int64_t since = query.integer("since", -1, -1, std::numeric_limits<int64_t>::max());
  const std::string job = query.text("job").value_or("");
  const int64_t limit = query.integer("limit", kDefaultLimit, 1, kMaxLimit);
  query.rejectUnknown({"since", "job", "limit"});
  if (!job.empty()) requireJob(store, job);
  const std::vector<EventRow> rows = store.events(since, job, static_cast<size_t>(limit));
  Json list = Json::array();
  for (const EventRow& e : rows) list.push_back(rowJson(e));
  return dumpJson(JsonObjectBuilder(3)
                      .add("events", std::move(list))
                      .add("next_since", rows.empty() ? since : rows.back().id)
                      .add("truncated", rows.size() >= static_cast<size_t>(limit))
                      .build());
}

// {"received": 12, ..., "connections": 3, ...} of the wire endpoint, or nothing when the
// server has none (serve).
Json wireJson(const RestHandler::CounterSource& counters, const RestHandler::ConnectionSource& connections) {
  Json out = Json::object();
  if (counters) {
    for (const auto& [name, value] : counters()) out[name] = value;
  }
  if (connections) {
    const auto c = connections();
    out["connections"] = c.open;
    out["max_connections"] = c.max;
    out["connections_refused"] = c.refused;
    out["routes"] = c.routes;
  }
  return out;
}

std::string prometheusSeries(const std::string& name, const std::string& type, const std::string& help, double value) {
  return "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " + prometheusNumber(value) +
         "\n";
}

std::string wirePrometheus(const RestHandler::CounterSource& counters, const RestHandler::ConnectionSource& connections) {
  std::string out;
  if (counters) {
    out +=
        "# HELP cog_wire_messages Messages of the worker wire by outcome (received, malformed, unauthenticated, ...).\n"
        "# TYPE cog_wire_messages counter\n";
    for (const auto& [name, value] : counters()) {
      out += "cog_wire_messages{outcome=\"" + prometheusLabelValue(name) + "\"} " + prometheusNumber(value) + "\n";
    }
  }
  if (connections) {
    const auto c = connections();
    out += prometheusSeries("cog_wire_connections", "gauge",
                            "Connections to the worker wire now, handshaking or established.", c.open);
    out += prometheusSeries("cog_wire_max_connections", "gauge",
                            "coordinator.max_connections: handshakes beyond it are refused.", c.max);
    out += prometheusSeries("cog_wire_connections_refused", "counter",
                            "Handshakes refused because max_connections were open.", c.refused);
    out += prometheusSeries("cog_wire_routes", "gauge", "Running attempts whose rank 0 commands can reach.",
                            c.routes);
  }
  return out;
}

// /api/v1/sweeps lists each sweep with its models' trials counted, not listed.
Json sweepList(const RestHandler::SweepSource& sweeps) {
  Json list = Json::array();
  if (!sweeps) return list;
  for (const auto& text : sweeps()) {
    Json sweep = Json::parse(text);
    for (auto& model : sweep["models"]) model["trials"] = model["trials"].size();
    list.push_back(std::move(sweep));
  }
  return list;
}

Json sweepDetail(const RestHandler::SweepSource& sweeps, const std::string& id) {
  std::string known;
  if (sweeps) {
    for (const auto& text : sweeps()) {
      Json sweep = Json::parse(text);
      if (sweep["id"] == id) return sweep;
      known += (known.empty() ? "" : ", ") + sweep["id"].get<std::string>();
    }
  }
  throw HttpError(HttpErrorKind::kNotFound,
                  "no sweep '" + id + "'; " + (known.empty() ? std::string("this coordinator runs none") : "there is " + known));
}

HttpResponse read(const StoreReader& store, Route r, const std::string& jobId, QueryParams& query,
                  const RestHandler::CounterSource& counters, const RestHandler::ConnectionSource& connections,
                  const RestHandler::SweepSource& sweeps) {
  switch (r) {
    case Route::kDashboard:
      query.rejectUnknown({});
      return dashboardAsset("index.html");
    case Route::kStatic:
      query.rejectUnknown({});
      return dashboardAsset(jobId);
    case Route::kHealthz:
      query.rejectUnknown({});
      return jsonResponse(dumpJson(JsonObjectBuilder(2).add("status", "ok").add("wire", wireJson(counters, connections)).build()));
    case Route::kMetrics: {
      query.rejectUnknown({});
      HttpResponse res = jsonResponse(prometheusText(store.jobs()) + wirePrometheus(counters, connections));
      res.content_type = kPrometheusContentType;
      return res;
    }
    case Route::kExperiments: {
      query.rejectUnknown({});
      Json list = Json::array();
      for (const ExperimentRow& e : store.experiments()) list.push_back(rowJson(e));
      return jsonResponse(dumpJson(JsonObjectBuilder(1).add("experiments", std::move(list)).build()));
    }
    case Route::kJobs: {
      query.rejectUnknown({});
      Json list = Json::array();
      for (const JobRow& j : store.jobs()) list.push_back(rowJson(j));
      return jsonResponse(dumpJson(JsonObjectBuilder(1).add("jobs", std::move(list)).build()));
    }
    case Route::kJob:
      query.rejectUnknown({});
      return jsonResponse(jobDetail(store, jobId));
    case Route::kAttempts: {
      query.rejectUnknown({});
      requireJob(store, jobId);
      Json list = Json::array();
      for (const AttemptRow& a : store.attempts(jobId)) list.push_back(rowJson(a, "job_id"));
      return jsonResponse(dumpJson(JsonObjectBuilder(2).add("job", jobId).add("attempts", std::move(list)).build()));
    }
    case Route::kJobMetrics:
      return jsonResponse(jobMetrics(store, jobId, query));
    case Route::kValidations:
      return jsonResponse(jobValidations(store, jobId, query));
    case Route::kLogs:
      return jsonResponse(jobLogs(store, jobId, query));
    case Route::kEvents:
      return jsonResponse(events(store, query));
    case Route::kSweeps:
      query.rejectUnknown({});
      return jsonResponse(dumpJson(JsonObjectBuilder(1).add("sweeps", sweepList(sweeps)).build()));
    case Route::kSweep:
      query.rejectUnknown({});
      return jsonResponse(dumpJson(sweepDetail(sweeps, jobId)));
    default:
      break;
  }
  throw HttpError(HttpErrorKind::kInternal, "route table and dispatch disagree (a bug in rest_handler.cpp)");
}

}  // namespace

RestHandler::RestHandler(const StoreReader& store, OperatorActions* actions, std::string token)
    : store_(store), actions_(actions), token_(std::move(token)) {}

HttpResponse RestHandler::handle(const HttpRequestView& request) const {
  const std::string method(request.method);
  const std::string target(request.target);
  try {
    RequestTarget parsed = parseRequestTarget(target);
    std::string id;
    const std::optional<Route> r = matchRoute(parsed.segments, id);
    if (!r) {
      throw HttpError(HttpErrorKind::kNotFound, "no route " + method + " " + parsed.path + "; the routes are " + kRouteList);
    }
    const char* allowed = isAction(*r) ? "POST" : "GET";
    if (method != allowed) {
      return errorResponse(HttpErrorKind::kMethodNotAllowed,
                           method + " " + parsed.path + " is not supported; this route answers " + allowed, allowed);
    }
    if (isAction(*r)) {
      parsed.query.rejectUnknown({});
      return act(actions_, token_, *r, id, request);
    }
    return read(store_, *r, id, parsed.query, wire_counters_, wire_connections_, sweeps_);
  } catch (const HttpError& e) {
    return errorResponse(e.kind(), e.what());
  } catch (const std::exception& e) {
    return errorResponse(HttpErrorKind::kInternal,
                         "internal error while answering " + method + " " + target + ": " + e.what() +
                             "; see the coordinator log, and report it if it persists");
  } catch (...) {
    return errorResponse(HttpErrorKind::kInternal, "internal error: unknown exception");
  }
}

}  // namespace cog::coord
