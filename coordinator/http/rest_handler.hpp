#pragma once
// The coordinator's REST API as a plain function of the request: it knows nothing of sockets
// (STYLE.md, after TF Serving and the Beast examples), so every route is unit tested with
// strings and the HTTP server only moves bytes.
//
// Reading (GET; another method on these routes → 405 with "Allow: GET"):
//   /                              the dashboard (dashboard.hpp); /static/... its scripts
//   /healthz                       {"status": "ok"}
//   /metrics                       Prometheus text (coordinator/http/prometheus_text.hpp)
//   /api/v1/experiments            {"experiments": [...]}
//   /api/v1/jobs                   {"jobs": [job...]}
//   /api/v1/jobs/{id}              job + "decisions" (the job's coordinator events) + "checkpoints"
//   /api/v1/jobs/{id}/attempts     {"job": id, "attempts": [...]}
//   /api/v1/jobs/{id}/metrics      ?name=a,b &since=STEP (default -1) &limit=N (default 10000,
//                                  max 100000) → {"job", "metrics": [{attempt, step, epoch,
//                                  time, scalars}], "next_since", "truncated"}. With name=
//                                  only those scalars; rows lacking all of them are omitted.
//                                  limit counts stored rows before that filter; "truncated"
//                                  says the store had more, "next_since" is the since= for the
//                                  next page.
//   /api/v1/jobs/{id}/validations  {"job": id, "validations": [...]}
//   /api/v1/jobs/{id}/logs         ?attempt=N (default newest) &rank=R (default: every rank
//                                  together) &since_bytes=B &limit_bytes=N (default 1 MiB) →
//                                  {"job", "attempt", "rank", "file", "text", "since_bytes",
//                                  "next_bytes", "size", "truncated"}: follow a log by asking
//                                  again from next_bytes.
//   /api/v1/events                 ?since=ID (default 0) &job=ID &limit=N (default 10000, max
//                                  100000) → {"events": [...], "next_since", "truncated"}
//   /api/v1/sweeps                 {"sweeps": [sweep...]}, each model's trials given as their
//                                  count (`cogcoord sweep`, and `cogcoord serve` of its state
//                                  dir; empty otherwise)
//   /api/v1/sweeps/{id}            the sweep: per model its trials (job, status, resource, rung,
//                                  metric, hyperparameters), ASHA rungs, the best trial and its
//                                  --set line (coordinator/sweep/sweep_job_source.hpp); trials are
//                                  jobs, so the job routes serve their attempts and metrics
// Acting (POST; "Authorization: Bearer <token>" required: 401 without, 403 with a wrong one):
//   /api/v1/jobs/{id}/stop         the job stops (a running attempt checkpoints first)
//   /api/v1/jobs/{id}/checkpoint   the running attempt writes a checkpoint now
//   /api/v1/jobs/{id}/relaunch     body {"overrides": ["key=value", ...], "checkpoint": "best"}
//                                  (both optional): a new attempt with those settings
//   /api/v1/experiments/{id}/stop  every job stops
//   → {"job"|"experiment": id, "accepted": what was done}; unknown job 404, a request the job's
//   state refuses (stop an ended job) 409, a bad body 400.
// Row fields and NaN/infinity handling: coordinator/http/json_rows.hpp. Query and path
// conventions (trailing slash, percent-decoding, unknown parameters): request_target.hpp.
// Errors: {"error": kind, "detail": what to fix} with the status of httpStatus(kind).
//
// Thread-safety: handle() keeps no state of its own; reads are as thread-safe as the store,
// acts as the OperatorActions (the coordinator calls it on its only thread).
#include <functional>
#include <string>
#include <string_view>

#include "coordinator/http/http_response.hpp"
#include "coordinator/http/operator_actions.hpp"
#include "coordinator/store/records.hpp"

namespace cog::coord {

// What the HTTP server hands over: the request, and who sent it.
struct HttpRequestView {
  std::string_view method;
  std::string_view target;
  std::string_view body;
  std::string_view authorization;  // the Authorization header ("" = none)
  std::string_view client;         // the peer's address, for the record of an operator action
};

class RestHandler {
 public:
  // The store (and `actions`, when given) must outlive the handler. Without `actions` (or with
  // an empty token) the mutating routes answer 405: this server only reads.
  explicit RestHandler(const StoreReader& store, OperatorActions* actions = nullptr, std::string token = "");

  // Never throws: every failure becomes an error response.
  HttpResponse handle(const HttpRequestView& request) const;
  HttpResponse handle(std::string_view method, std::string_view target, std::string_view body) const {
    return handle(HttpRequestView{method, target, body, {}, {}});
  }

  // Counters of the wire endpoint (received, malformed, unauthenticated, ...), served in
  // /healthz and as cog_wire_* series in /metrics; called on the server's thread.
  using CounterSource = std::function<Scalars()>;
  void setWireCounters(CounterSource source) { wire_counters_ = std::move(source); }
  // The wire's connections now: open ones (handshaking or established), the cap
  // (coordinator.max_connections), handshakes refused at the cap, and routes (running attempts
  // commands can reach). In /healthz beside the counters ("connections", "max_connections",
  // "connections_refused", "routes") and as cog_wire_connections* / cog_wire_routes in /metrics.
  struct WireConnections {
    double open = 0;
    double max = 0;
    double refused = 0;
    double routes = 0;
  };
  using ConnectionSource = std::function<WireConnections()>;
  void setWireConnections(ConnectionSource source) { wire_connections_ = std::move(source); }
  // The sweeps this coordinator runs, each a JSON object with "id" (/api/v1/sweeps); called
  // on the server's thread.
  using SweepSource = std::function<std::vector<std::string>()>;
  void setSweeps(SweepSource source) { sweeps_ = std::move(source); }

 private:
  const StoreReader& store_;
  CounterSource wire_counters_;
  ConnectionSource wire_connections_;
  SweepSource sweeps_;
  OperatorActions* actions_;
  std::string token_;
};

}  // namespace cog::coord
