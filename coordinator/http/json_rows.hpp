#pragma once
// Store rows -> JSON objects for the REST API, from each row's one column description
// (coordinator/store/row_columns.hpp): the keys are the column names, in column order
// (ordered_json), so the API, the schema and the structs cannot drift apart.
//
// Numbers: JSON has no NaN or infinity. NaN is the store's "no value" and is written as
// null; +/-infinity (a loss that blew up) as the strings "inf" / "-inf", as a worker's
// metrics.jsonl does, so the document stays valid and the fact is kept. Enums are their
// names; JsonText (generated samples) is embedded as JSON.
#include <nlohmann/json.hpp>

#include "coordinator/store/records.hpp"

namespace cog::coord {

using Json = nlohmann::ordered_json;

// Builds an object whose keys are distinct literals by appending them, skipping the
// duplicate-key search of operator[] and the copies of initializer lists: /api/v1/jobs, the
// hot route, builds three times faster this way.
class JsonObjectBuilder {
 public:
  explicit JsonObjectBuilder(size_t fields) : json_(Json::value_t::object) {
    json_.get_ref<Json::object_t&>().reserve(fields);
  }
  template <typename Value>
  JsonObjectBuilder& add(const char* key, Value&& value) {
    // ordered_map is a vector of pairs; emplace_back is the vector's, without the key search.
    json_.get_ref<Json::object_t&>().emplace_back(key, std::forward<Value>(value));
    return *this;
  }
  Json build() { return std::move(json_); }

 private:
  Json json_;
};

Json jsonNumber(double value);
// {"loss": 2.3, "grad_norm": null}; a name given twice keeps the later value.
Json scalarsJson(const Scalars& scalars);

// One row as a JSON object, for every row type of records.hpp, without the column `omit`
// (the job_id of rows a route lists for one job, which names it once at the top). A
// JsonText column that does not parse is served as an empty array, with its text under
// "<column>_raw", so a worker bug is visible rather than hidden.
Json rowJson(const ExperimentRow& row, const char* omit = nullptr);
Json rowJson(const JobRow& row, const char* omit = nullptr);
Json rowJson(const AttemptRow& row, const char* omit = nullptr);
Json rowJson(const MetricRow& row, const char* omit = nullptr);
Json rowJson(const ValidationRow& row, const char* omit = nullptr);
Json rowJson(const CheckpointRow& row, const char* omit = nullptr);
Json rowJson(const EventRow& row, const char* omit = nullptr);

// Serialises with invalid UTF-8 replaced (a worker may send any bytes in a detail line):
// rendering a response must never throw.
std::string dumpJson(const Json& json);

}  // namespace cog::coord
