#include "coordinator/http/http_response.hpp"

#include <nlohmann/json.hpp>

namespace cog::coord {

int httpStatus(HttpErrorKind kind) {
  switch (kind) {
    case HttpErrorKind::kBadRequest:
      return 400;
    case HttpErrorKind::kUnauthorized:
      return 401;
    case HttpErrorKind::kForbidden:
      return 403;
    case HttpErrorKind::kConflict:
      return 409;
    case HttpErrorKind::kNotFound:
      return 404;
    case HttpErrorKind::kMethodNotAllowed:
      return 405;
    case HttpErrorKind::kPayloadTooLarge:
      return 413;
    case HttpErrorKind::kHeadersTooLarge:
      return 431;
    case HttpErrorKind::kUnavailable:
      return 503;
    case HttpErrorKind::kInternal:
      return 500;
  }
  return 500;
}

const char* httpErrorName(HttpErrorKind kind) {
  switch (kind) {
    case HttpErrorKind::kBadRequest:
      return "bad_request";
    case HttpErrorKind::kUnauthorized:
      return "unauthorized";
    case HttpErrorKind::kForbidden:
      return "forbidden";
    case HttpErrorKind::kConflict:
      return "conflict";
    case HttpErrorKind::kNotFound:
      return "not_found";
    case HttpErrorKind::kMethodNotAllowed:
      return "method_not_allowed";
    case HttpErrorKind::kPayloadTooLarge:
      return "payload_too_large";
    case HttpErrorKind::kHeadersTooLarge:
      return "headers_too_large";
    case HttpErrorKind::kUnavailable:
      return "unavailable";
    case HttpErrorKind::kInternal:
      return "internal";
  }
  return "internal";
}

HttpResponse errorResponse(HttpErrorKind kind, std::string_view detail, std::string_view allow) {
  HttpResponse r;
  r.status = httpStatus(kind);
  r.content_type = "application/json";
  nlohmann::json body = {{"error", httpErrorName(kind)}, {"detail", std::string(detail)}};
  // The detail may quote a percent-decoded path that is not valid UTF-8: replace, never throw.
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.headers.emplace_back("Cache-Control", "no-store");
  if (kind == HttpErrorKind::kMethodNotAllowed) r.headers.emplace_back("Allow", std::string(allow));
  if (kind == HttpErrorKind::kUnauthorized) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"cogcoord\"");
  return r;
}

HttpResponse jsonResponse(std::string body) {
  HttpResponse r;
  r.status = 200;
  r.content_type = "application/json";
  r.body = std::move(body);
  // Status changes every few seconds; a cached copy would show a stale job state.
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace cog::coord
