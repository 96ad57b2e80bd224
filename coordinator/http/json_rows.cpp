#include "coordinator/http/json_rows.hpp"

#include <cmath>
#include <cstring>
#include <type_traits>

#include "coordinator/store/row_columns.hpp"

namespace cog::coord {
namespace {

// How many columns a row type has (sizes the object once).
struct CountColumns {
  size_t n = 0;
  template <typename T>
  CountColumns& operator()(const char*, const T&) {
    ++n;
    return *this;
  }
};

class JsonColumns {
 public:
  JsonColumns(JsonObjectBuilder& out, const char* omit) : out_(out), omit_(omit) {}

  template <typename T>
  JsonColumns& operator()(const char* name, const T& v) {
    if (omit_ != nullptr && std::strcmp(name, omit_) == 0) return *this;
    if constexpr (std::is_same_v<T, double>) {
      out_.add(name, jsonNumber(v));
    } else if constexpr (std::is_enum_v<T>) {
      out_.add(name, nameOf(v));
    } else if constexpr (std::is_same_v<T, Scalars>) {
      out_.add(name, scalarsJson(v));
    } else if constexpr (std::is_same_v<T, JsonText>) {
      Json parsed =
          v.text.empty() ? Json::array() : Json::parse(v.text, nullptr, /*allow_exceptions=*/false);
      if (parsed.is_discarded()) {
        out_.add(name, Json::array());
        raw_name_ = std::string(name) + "_raw";
        out_.add(raw_name_.c_str(), v.text);
      } else {
        out_.add(name, std::move(parsed));
      }
    } else {
      out_.add(name, v);
    }
    return *this;
  }

 private:
  JsonObjectBuilder& out_;
  const char* omit_;
  std::string raw_name_;  // outlives the add() that copies it into the object
};

template <typename Row>
Json toJson(const Row& row, const char* omit) {
  static const size_t columns_count = [] {
    CountColumns count;
    Row empty;
    columns(count, empty);
    return count.n + 1;  // + a possible "<column>_raw"
  }();
  JsonObjectBuilder out(columns_count);
  JsonColumns io(out, omit);
  columns(io, row);
  return out.build();
}

}  // namespace

Json jsonNumber(double value) {
  if (std::isfinite(value)) return value;
  if (std::isnan(value)) return nullptr;
  return value > 0 ? "inf" : "-inf";
}

Json scalarsJson(const Scalars& scalars) {
  Json out = Json::object();
  for (const auto& [name, value] : scalars) out[name] = jsonNumber(value);
  return out;
}

Json rowJson(const ExperimentRow& row, const char* omit) { return toJson(row, omit); }
Json rowJson(const JobRow& row, const char* omit) { return toJson(row, omit); }
Json rowJson(const AttemptRow& row, const char* omit) { return toJson(row, omit); }
Json rowJson(const MetricRow& row, const char* omit) { return toJson(row, omit); }
Json rowJson(const ValidationRow& row, const char* omit) { return toJson(row, omit); }
Json rowJson(const CheckpointRow& row, const char* omit) { return toJson(row, omit); }
Json rowJson(const EventRow& row, const char* omit) { return toJson(row, omit); }

std::string dumpJson(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace cog::coord
