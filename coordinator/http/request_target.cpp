#include "coordinator/http/request_target.hpp"

#include <charconv>

#include "coordinator/http/http_response.hpp"

namespace cog::coord {
namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

[[noreturn]] void badRequest(const std::string& detail) {
  throw HttpError(HttpErrorKind::kBadRequest, detail);
}

std::string joined(const std::vector<std::string>& names) {
  if (names.empty()) return "none";
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

std::string percentDecode(std::string_view text, bool plusIsSpace, std::string_view what) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      const int hi = i + 1 < text.size() ? hexValue(text[i + 1]) : -1;
      const int lo = i + 2 < text.size() ? hexValue(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        badRequest(std::string(what) + " '" + std::string(text) +
                   "' has a malformed percent escape at offset " + std::to_string(i) +
                   "; write a literal '%' as %25");
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plusIsSpace) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

QueryParams QueryParams::parse(std::string_view query) {
  QueryParams params;
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view item = query.substr(start, end - start);
    start = end + 1;
    if (item.empty()) continue;  // "a=1&&b=2" and a trailing '&' are harmless
    const size_t eq = item.find('=');
    std::string key = percentDecode(item.substr(0, eq), true, "query key");
    std::string value =
        eq == std::string_view::npos
            ? std::string()
            : percentDecode(item.substr(eq + 1), true, "query parameter '" + key + "'");
    for (const auto& [k, v] : params.items_) {
      if (k == key) badRequest("query parameter '" + key + "' is given twice; give it once");
    }
    params.items_.emplace_back(std::move(key), std::move(value));
  }
  return params;
}

std::optional<std::string> QueryParams::text(const std::string& key) {
  read_.insert(key);
  for (const auto& [k, v] : items_) {
    if (k == key) return v;
  }
  return std::nullopt;
}

int64_t QueryParams::integer(const std::string& key, int64_t fallback, int64_t min, int64_t max) {
  const std::optional<std::string> raw = text(key);
  if (!raw) return fallback;
  int64_t value = 0;
  const char* first = raw->data();
  const char* last = first + raw->size();
  const auto [ptr, ec] = std::from_chars(first, last, value);
  const std::string range = "[" + std::to_string(min) + ", " + std::to_string(max) + "]";
  if (raw->empty() || ec != std::errc() || ptr != last) {
    badRequest("query parameter " + key + "=" + *raw +
               " is not an integer; expected an integer in " + range + " (default " +
               std::to_string(fallback) + ")");
  }
  if (value < min || value > max) {
    badRequest("query parameter " + key + "=" + *raw + " is out of range; expected an integer in " +
               range);
  }
  return value;
}

void QueryParams::rejectUnknown(const std::vector<std::string>& known) const {
  for (const auto& [k, v] : items_) {
    if (read_.count(k) == 0) {
      badRequest("unknown query parameter '" + k + "'; this route accepts: " + joined(known));
    }
  }
}

RequestTarget parseRequestTarget(std::string_view target) {
  if (target.empty() || target.front() != '/') {
    badRequest("request target '" + std::string(target) +
               "' is not a path; send origin-form targets such as /api/v1/jobs");
  }
  RequestTarget out;
  const size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  if (q != std::string_view::npos) out.query = QueryParams::parse(target.substr(q + 1));
  out.path = std::string(path);
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);  // one trailing slash
  path.remove_prefix(1);
  if (path.empty()) return out;  // "/" has no segments
  size_t start = 0;
  while (true) {
    const size_t end = path.find('/', start);
    const std::string_view seg =
        path.substr(start, end == std::string_view::npos ? end : end - start);
    out.segments.push_back(percentDecode(seg, false, "path segment"));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

}  // namespace cog::coord
