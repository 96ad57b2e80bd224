#pragma once
// What the REST layer answers, independent of sockets, and the one place where error kinds
// become HTTP status codes (STYLE.md: "one function maps error kinds to HTTP codes").
//
// Every error body has the same shape:
//   {"error": "not_found", "detail": "no job 'x'; GET /api/v1/jobs lists the jobs"}
// where `error` is the short kind below and `detail` says what to fix.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.hpp"

namespace cog::coord {

struct HttpResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  // Extra header fields (Allow, Cache-Control ...); the server adds Content-Length,
  // Connection and Server itself.
  std::vector<std::pair<std::string, std::string>> headers;
};

enum class HttpErrorKind {
  kBadRequest,        // malformed target, query value (since=abc, limit=-3) or body
  kUnauthorized,      // a mutating route without "Authorization: Bearer <token>"
  kForbidden,         // a mutating route with a wrong token
  kConflict,          // the request does not fit the job's state (stop an ended job)
  kNotFound,          // unknown route, or an unknown job id
  kMethodNotAllowed,  // known route, method it does not answer
  kPayloadTooLarge,   // request body over the server's limit
  kHeadersTooLarge,   // request header block over the parser's limit
  kUnavailable,       // too many open connections
  kInternal,          // an exception from the store or a bug
};

// The single kind → status mapping: 400, 401, 403, 409, 404, 405, 413, 431, 503, 500.
int httpStatus(HttpErrorKind kind);
// The short machine-readable kind written as "error": bad_request, not_found, ...
const char* httpErrorName(HttpErrorKind kind);

// Thrown inside the REST handler to end a request with an error response; the message is
// the body's "detail".
class HttpError : public Error {
 public:
  HttpError(HttpErrorKind kind, const std::string& detail) : Error(detail), kind_(kind) {}
  HttpErrorKind kind() const { return kind_; }

 private:
  HttpErrorKind kind_;
};

// {"error": ..., "detail": ...} with the kind's status; 401 also carries
// "WWW-Authenticate: Bearer". `allow` is the Allow header of a 405 ("GET", "POST").
HttpResponse errorResponse(HttpErrorKind kind, std::string_view detail, std::string_view allow = "GET");

// A 200 response with an already serialised JSON body.
HttpResponse jsonResponse(std::string body);

}  // namespace cog::coord
