#pragma once
// The coordinator's REST API as a plain function of (method, target, body): it knows nothing
// of sockets (STYLE.md, after TF Serving and the Beast examples), so every route is unit
// tested with strings and the HTTP server only moves bytes.
//
// Routes (GET only; a known route with another method → 405 with "Allow: GET"):
//   /healthz                       {"status": "ok"}
//   /metrics                       Prometheus text (coordinator/http/prometheus_text.hpp)
//   /api/v1/experiments            {"experiments": [...]}
//   /api/v1/jobs                   {"jobs": [job...]}
//   /api/v1/jobs/{id}              job + "decisions" (the job's coordinator events: time, kind,
//                                  detail, numbers) + "checkpoints"
//   /api/v1/jobs/{id}/attempts     {"job": id, "attempts": [...]}
//   /api/v1/jobs/{id}/metrics      ?name=a,b &since=STEP (default -1) &limit=N (default 10000,
//                                  max 100000) → {"job", "metrics": [{step, epoch, attempt,
//                                  time, values}], "next_since", "truncated"}. With name=
//                                  only those scalars; rows lacking all of them are omitted.
//                                  limit counts stored rows before that filter; "truncated"
//                                  says the store had more, "next_since" is the since= for the
//                                  next page.
//   /api/v1/jobs/{id}/validations  {"job": id, "validations": [...]}
//   /api/v1/events                 ?since=ID (default 0) &job=ID &limit=N (default 10000, max
//                                  100000) → {"events": [...], "next_since", "truncated"}
// Row fields and NaN/infinity handling: coordinator/http/json_rows.hpp. Query and path
// conventions (trailing slash, percent-decoding, unknown parameters): request_target.hpp.
// Errors: {"error": kind, "detail": what to fix} with the status of httpStatus(kind):
// unknown route or job 404, bad query value 400, wrong method 405, store exception 500.
//
// Thread-safety: handle() is const and keeps no state; it is as thread-safe as the store.
#include <string_view>

#include "coordinator/http/http_response.hpp"
#include "coordinator/store/records.hpp"

namespace cog::coord {

class RestHandler {
 public:
  // The store must outlive the handler.
  explicit RestHandler(const StoreReader& store);

  // Never throws: every failure becomes an error response.
  HttpResponse handle(std::string_view method, std::string_view target,
                      std::string_view body) const;

 private:
  const StoreReader& store_;
};

}  // namespace cog::coord
