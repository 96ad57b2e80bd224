#include "coordinator/http/rest_handler.hpp"

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/http/json_rows.hpp"
#include "coordinator/http/prometheus_text.hpp"
#include "coordinator/http/request_target.hpp"

namespace cog::coord {
namespace {

// Limits on rows per response: large enough for a whole run's loss curve at the default
// report interval, small enough that one request cannot build a gigabyte of JSON on the
// coordinator's only thread.
constexpr int64_t kDefaultLimit = 10000;
constexpr int64_t kMaxLimit = 100000;
// Events are read in pages of this size when collecting a job's decisions.
constexpr size_t kEventPage = 1000;

const char* const kRouteList =
    "/healthz, /metrics, /api/v1/experiments, /api/v1/jobs, /api/v1/jobs/{id}, "
    "/api/v1/jobs/{id}/attempts, /api/v1/jobs/{id}/metrics, /api/v1/jobs/{id}/validations, "
    "/api/v1/events";

enum class Route {
  kHealthz,
  kMetrics,
  kExperiments,
  kJobs,
  kJob,
  kAttempts,
  kJobMetrics,
  kValidations,
  kEvents
};

// Matches decoded segments; `jobId` receives the {id} segment of per-job routes.
std::optional<Route> matchRoute(const std::vector<std::string>& s, std::string& jobId) {
  if (s.size() == 1 && s[0] == "healthz") return Route::kHealthz;
  if (s.size() == 1 && s[0] == "metrics") return Route::kMetrics;
  if (s.size() < 3 || s[0] != "api" || s[1] != "v1") return std::nullopt;
  if (s.size() == 3 && s[2] == "experiments") return Route::kExperiments;
  if (s.size() == 3 && s[2] == "events") return Route::kEvents;
  if (s[2] != "jobs") return std::nullopt;
  if (s.size() == 3) return Route::kJobs;
  jobId = s[3];
  if (s.size() == 4) return Route::kJob;
  if (s.size() != 5) return std::nullopt;
  if (s[4] == "attempts") return Route::kAttempts;
  if (s[4] == "metrics") return Route::kJobMetrics;
  if (s[4] == "validations") return Route::kValidations;
  return std::nullopt;
}

JobRow requireJob(const StoreReader& store, const std::string& id) {
  std::optional<JobRow> job = store.job(id);
  if (!job) {
    throw HttpError(HttpErrorKind::kNotFound,
                    "no job '" + id + "'; GET /api/v1/jobs lists the jobs of this coordinator");
  }
  return *job;
}

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

HttpResponse route(const StoreReader& store, std::string_view method, RequestTarget& target) {
  std::string jobId;
  const std::optional<Route> r = matchRoute(target.segments, jobId);
  if (!r) {
    throw HttpError(HttpErrorKind::kNotFound, "no route " + std::string(method) + " " +
                                                  target.path + "; the routes are " + kRouteList);
  }
  if (method != "GET") {
    throw HttpError(
        HttpErrorKind::kMethodNotAllowed,
        std::string(method) + " " + target.path + " is not supported; this route answers GET");
  }
  QueryParams& query = target.query;
  switch (*r) {
    case Route::kHealthz:
      query.rejectUnknown({});
      return jsonResponse(R"({"status":"ok"})");
    case Route::kMetrics: {
      query.rejectUnknown({});
      HttpResponse res = jsonResponse(prometheusText(store.jobs()));
      res.content_type = kPrometheusContentType;
      return res;
    }
    case Route::kExperiments: {
      query.rejectUnknown({});
      Json list = Json::array();
      for (const ExperimentRow& e : store.experiments()) list.push_back(rowJson(e));
      return jsonResponse(
          dumpJson(JsonObjectBuilder(1).add("experiments", std::move(list)).build()));
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
      return jsonResponse(dumpJson(
          JsonObjectBuilder(2).add("job", jobId).add("attempts", std::move(list)).build()));
    }
    case Route::kJobMetrics:
      return jsonResponse(jobMetrics(store, jobId, query));
    case Route::kValidations: {
      query.rejectUnknown({});
      requireJob(store, jobId);
      Json list = Json::array();
      for (const ValidationRow& v : store.validations(jobId)) list.push_back(rowJson(v, "job_id"));
      return jsonResponse(dumpJson(
          JsonObjectBuilder(2).add("job", jobId).add("validations", std::move(list)).build()));
    }
    case Route::kEvents:
      return jsonResponse(events(store, query));
  }
  throw HttpError(HttpErrorKind::kInternal,
                  "route table and dispatch disagree (a bug in rest_handler.cpp)");
}

}  // namespace

RestHandler::RestHandler(const StoreReader& store) : store_(store) {}

HttpResponse RestHandler::handle(std::string_view method, std::string_view target,
                                 std::string_view /*body: no route reads one yet*/) const {
  try {
    RequestTarget parsed = parseRequestTarget(target);
    return route(store_, method, parsed);
  } catch (const HttpError& e) {
    return errorResponse(e.kind(), e.what());
  } catch (const std::exception& e) {
    return errorResponse(HttpErrorKind::kInternal,
                         std::string("internal error while answering ") + std::string(method) +
                             " " + std::string(target) + ": " + e.what() +
                             "; see the coordinator log, and report it if it persists");
  } catch (...) {
    return errorResponse(HttpErrorKind::kInternal, "internal error: unknown exception");
  }
}

}  // namespace cog::coord
