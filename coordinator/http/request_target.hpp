#pragma once
// Parsing of an HTTP request target ("/api/v1/jobs/a%20b/metrics?since=10&name=loss") into
// decoded path segments and typed query values. Every malformed piece throws HttpError
// (bad_request) naming the parameter and the value as received.
//
// Conventions, the same on every route:
// - One trailing slash is tolerated: "/api/v1/jobs/" is "/api/v1/jobs".
// - Path segments are percent-decoded after splitting on '/', so "%2F" stays inside a segment;
//   '+' is literal in paths. Query keys and values are percent-decoded and '+' means space
//   (application/x-www-form-urlencoded).
// - A query parameter a route does not read is rejected (400 naming it and the accepted ones),
//   like an unknown YAML key: a typo such as ?limt=5 must not silently return 10000 rows.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cog::coord {

// Decodes %XX escapes; `plusIsSpace` for query components. Throws HttpError (bad_request)
// on a truncated or non-hex escape, naming `what` (e.g. "query parameter 'name'").
std::string percentDecode(std::string_view text, bool plusIsSpace, std::string_view what);

class QueryParams {
 public:
  QueryParams() = default;
  // Splits "a=1&b=x%20y"; a key given twice is a bad request (which one would win?).
  static QueryParams parse(std::string_view query);

  // The decoded value, or nullopt when absent. Marks the key as read.
  std::optional<std::string> text(const std::string& key);
  // An integer in [min, max]; `fallback` when absent. Throws HttpError naming key and value.
  int64_t integer(const std::string& key, int64_t fallback, int64_t min, int64_t max);
  // Throws HttpError naming the first key no route accessor read, and the accepted `known`.
  void rejectUnknown(const std::vector<std::string>& known) const;

 private:
  std::vector<std::pair<std::string, std::string>> items_;
  std::set<std::string> read_;
};

struct RequestTarget {
  std::string path;                   // the raw path, for error messages
  std::vector<std::string> segments;  // decoded; "/api/v1/jobs" → {"api", "v1", "jobs"}
  QueryParams query;
};

// Throws HttpError (bad_request) when the target is not origin-form ("/..."), or an escape is
// malformed.
RequestTarget parseRequestTarget(std::string_view target);

}  // namespace cog::coord
