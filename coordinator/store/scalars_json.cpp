#include "coordinator/store/scalars_json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "comms/wire/json_number.hpp"
#include "coordinator/store/sqlite_check.hpp"

namespace cog::coord {
namespace {

// ordered_json keeps the keys in report order (plain json would sort them).
using Json = nlohmann::ordered_json;

Json number(double v) { return wire::jsonNumber<Json>(v); }

double numberFrom(const Json& j, const std::string& key, const std::string& what) {
  if (const auto v = wire::numberFromJson(j)) return *v;
  if (j.is_null()) return std::numeric_limits<double>::quiet_NaN();
  throw StoreError(what + ": scalar '" + key + "' is " + j.dump() +
                   ", expected a number or \"nan\"/\"inf\"/\"-inf\"");
}

// Invalid UTF-8 in a name (a worker bug) is replaced rather than failing the whole write.
std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

Json parse(const std::string& text, const std::string& what) {
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {
    throw StoreError(what + ": stored JSON is malformed (" + e.what() + ")");
  }
}

// Names that need no JSON escaping and cannot be invalid UTF-8: plain printable ASCII.
bool plainAscii(const std::string& name) {
  for (const char c : name) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
  }
  return true;
}

// The hot path (a metric row per report, thousands per second): writes the common case of
// ASCII names directly, ~3x faster than building an nlohmann object. Doubles are written
// in their shortest exact form, with ".0" added to integral ones so that "-0" keeps its
// sign and every value reads back as a double.
bool appendFast(const Scalars& scalars, std::string& out) {
  out.reserve(16 + scalars.size() * 32);
  out += '{';
  char digits[32];
  for (const auto& [name, value] : scalars) {
    if (!plainAscii(name)) return false;
    if (out.size() > 1) out += ',';
    out += '"';
    out += name;
    out += "\":";
    if (!std::isfinite(value)) {
      out += std::isnan(value) ? "\"nan\"" : (value > 0 ? "\"inf\"" : "\"-inf\"");
      continue;
    }
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
    if (ec != std::errc()) return false;
    out.append(digits, end);
    if (std::find_if(digits, end, [](char c) { return c == '.' || c == 'e'; }) == end) out += ".0";
  }
  out += '}';
  return true;
}

}  // namespace

std::string scalarsToJson(const Scalars& scalars) {
  std::string fast;
  if (appendFast(scalars, fast)) return fast;
  Json out = Json::object();
  for (const auto& [name, value] : scalars) out[name] = number(value);
  return dump(out);
}

Scalars scalarsFromJson(const std::string& text, const std::string& what) {
  if (text.empty()) return {};
  const Json j = parse(text, what);
  if (!j.is_object()) throw StoreError(what + ": stored scalars are not a JSON object");
  Scalars out;
  out.reserve(j.size());
  for (const auto& [key, value] : j.items()) out.emplace_back(key, numberFrom(value, key, what));
  return out;
}

std::string stringsToJson(const std::vector<std::string>& items) { return dump(Json(items)); }

std::vector<std::string> stringsFromJson(const std::string& text, const std::string& what) {
  if (text.empty()) return {};
  const Json j = parse(text, what);
  if (!j.is_array()) throw StoreError(what + ": stored list is not a JSON array");
  std::vector<std::string> out;
  for (const auto& item : j) {
    if (!item.is_string()) throw StoreError(what + ": stored list holds " + item.dump());
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace cog::coord
