#pragma once
// Private to coordinator/http/rest_*.cpp: the route table's names and the handlers that live
// outside rest_handler.cpp (the acting routes and logs: rest_actions.cpp).
#include <string>

#include "coordinator/http/http_response.hpp"
#include "coordinator/http/operator_actions.hpp"
#include "coordinator/http/request_target.hpp"
#include "coordinator/http/rest_handler.hpp"
#include "coordinator/store/records.hpp"

namespace cog::coord {

enum class Route {
  kDashboard,
  kStatic,
  kHealthz,
  kMetrics,
  kExperiments,
  kJobs,
  kJob,
  kAttempts,
  kJobMetrics,
  kValidations,
  kLogs,
  kEvents,
  kSweeps,
  kSweep,
  kJobStop,
  kJobCheckpoint,
  kJobRelaunch,
  kExperimentStop,
};

// The routes that act (POST, token required).
inline bool isAction(Route r) {
  return r == Route::kJobStop || r == Route::kJobCheckpoint || r == Route::kJobRelaunch || r == Route::kExperimentStop;
}

// The stored job, or HttpError not_found naming it.
JobRow requireJob(const StoreReader& store, const std::string& id);

// GET /api/v1/jobs/{id}/logs.
std::string jobLogs(const StoreReader& store, const std::string& job, QueryParams& query);

// A POST route: checks the bearer token, then asks `actions`.
HttpResponse act(OperatorActions* actions, const std::string& token, Route route, const std::string& id,
                 const HttpRequestView& request);

}  // namespace cog::coord
