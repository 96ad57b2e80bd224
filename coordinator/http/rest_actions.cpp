// The acting routes (POST) and job logs. See rest_handler.hpp for the route table.
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>

#include "coordinator/http/bearer_token.hpp"
#include "coordinator/http/json_rows.hpp"
#include "coordinator/http/log_tail.hpp"
#include "coordinator/http/rest_routes.hpp"

namespace cog::coord {
namespace {

constexpr int64_t kDefaultLogBytes = 1 << 20;
constexpr int64_t kMaxLogBytes = 16 << 20;

// 401 without a bearer token, 403 with a wrong one (compared in constant time).
void authorize(const std::string& token, const HttpRequestView& request) {
  const std::string_view given = bearerToken(request.authorization);
  if (given.empty()) {
    throw HttpError(HttpErrorKind::kUnauthorized,
                    "this route acts on jobs: send \"Authorization: Bearer <token>\" with the token in the "
                    "coordinator's state dir (api_token); cogctl does this for you");
  }
  if (!constantTimeEqual(given, token)) {
    throw HttpError(HttpErrorKind::kForbidden,
                    "the bearer token is not this coordinator's (see api_token in its state dir)");
  }
}

struct RelaunchBody {
  std::vector<std::string> overrides;
  std::string checkpoint;
};

RelaunchBody parseRelaunchBody(std::string_view body) {
  RelaunchBody out;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return out;
  const auto j = nlohmann::json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  const std::string expected = R"(; expected {"overrides": ["key=value", ...], "checkpoint": "best"} (both optional))";
  if (j.is_discarded() || !j.is_object()) throw HttpError(HttpErrorKind::kBadRequest, "the body is not a JSON object" + expected);
  for (const auto& [key, value] : j.items()) {
    if (key == "overrides" && value.is_array()) {
      for (const auto& o : value) {
        if (!o.is_string()) throw HttpError(HttpErrorKind::kBadRequest, "overrides holds " + o.dump() + ", not a string" + expected);
        out.overrides.push_back(o.get<std::string>());
      }
    } else if (key == "checkpoint" && value.is_string()) {
      out.checkpoint = value.get<std::string>();
    } else {
      throw HttpError(HttpErrorKind::kBadRequest, "\"" + key + "\": " + value.dump() + " is not understood" + expected);
    }
  }
  return out;
}

HttpErrorKind kindOf(OperatorError::Kind kind) {
  switch (kind) {
    case OperatorError::Kind::kNotFound:
      return HttpErrorKind::kNotFound;
    case OperatorError::Kind::kConflict:
      return HttpErrorKind::kConflict;
    case OperatorError::Kind::kBadRequest:
      return HttpErrorKind::kBadRequest;
  }
  return HttpErrorKind::kInternal;
}

}  // namespace

HttpResponse act(OperatorActions* actions, const std::string& token, Route route, const std::string& id,
                 const HttpRequestView& request) {
  if (actions == nullptr || token.empty()) {
    throw HttpError(HttpErrorKind::kMethodNotAllowed, "this server only reads (no operator actions configured)");
  }
  authorize(token, request);
  const std::string who = "operator via REST from " + (request.client.empty() ? std::string("?") : std::string(request.client));
  std::string accepted;
  try {
    switch (route) {
      case Route::kJobStop:
        accepted = actions->stopJob(id, who);
        break;
      case Route::kJobCheckpoint:
        accepted = actions->checkpointJob(id, who);
        break;
      case Route::kJobRelaunch: {
        const RelaunchBody body = parseRelaunchBody(request.body);
        accepted = actions->relaunchJob(id, body.overrides, body.checkpoint, who);
        break;
      }
      case Route::kExperimentStop:
        accepted = actions->stopExperiment(id, who);
        break;
      default:
        throw HttpError(HttpErrorKind::kInternal, "not an acting route (a bug in rest_actions.cpp)");
    }
  } catch (const OperatorError& e) {
    throw HttpError(kindOf(e.kind()), e.what());
  }
  const char* subject = route == Route::kExperimentStop ? "experiment" : "job";
  return jsonResponse(dumpJson(JsonObjectBuilder(2).add(subject, id).add("accepted", accepted).build()));
}

std::string jobLogs(const StoreReader& store, const std::string& job, QueryParams& query) {
  const int64_t attempt_number = query.integer("attempt", 0, 1, std::numeric_limits<int32_t>::max());
  const int64_t rank = query.integer("rank", -1, 0, 1 << 20);
  const int64_t since = query.integer("since_bytes", 0, 0, std::numeric_limits<int64_t>::max());
  const int64_t limit = query.integer("limit_bytes", kDefaultLogBytes, 1, kMaxLogBytes);
  query.rejectUnknown({"attempt", "rank", "since_bytes", "limit_bytes"});
  requireJob(store, job);
  const auto attempts = store.attempts(job);
  if (attempts.empty()) throw HttpError(HttpErrorKind::kNotFound, "job '" + job + "' has not started an attempt yet");
  const AttemptRow* attempt = &attempts.back();
  if (attempt_number > 0) {
    attempt = nullptr;
    for (const auto& a : attempts) {
      if (a.attempt == attempt_number) attempt = &a;
    }
    if (attempt == nullptr) {
      throw HttpError(HttpErrorKind::kNotFound, "job '" + job + "' has no attempt " + std::to_string(attempt_number) +
                                                    " (it has 1.." + std::to_string(attempts.back().attempt) + ")");
    }
  }
  // One rank's own file exists only when the attempt had more than one; rank 0 of a single
  // process is the whole log.
  std::filesystem::path file = attemptLogFile(attempt->run_dir);
  if (rank >= 0) {
    const auto own = rankLogFile(attempt->run_dir, static_cast<int>(rank));
    if (std::filesystem::exists(own)) {
      file = own;
    } else if (rank > 0 || std::filesystem::exists(rankLogsDir(attempt->run_dir))) {
      throw HttpError(HttpErrorKind::kNotFound, "attempt " + std::to_string(attempt->attempt) + " of job '" + job +
                                                    "' has no log of rank " + std::to_string(rank));
    }
  }
  const LogChunk chunk = readLogChunk(file, since, limit);
  return dumpJson(JsonObjectBuilder(9)
                      .add("job", job)
                      .add("attempt", attempt->attempt)
                      .add("rank", rank)
                      .add("file", file.string())
                      .add("text", chunk.text)
                      .add("since_bytes", chunk.since)
                      .add("next_bytes", chunk.next)
                      .add("size", chunk.size)
                      .add("truncated", chunk.truncated)
                      .build());
}

}  // namespace cog::coord
