#pragma once
// Store rows → JSON objects for the REST API. Keys keep a fixed, readable order
// (ordered_json), the order of the fields in coordinator/store/records.hpp.
//
// Numbers: JSON has no NaN or infinity. NaN is the store's "no value" and is written as
// null; +/-infinity (a loss that blew up) as the strings "inf" / "-inf", as
// worker/report/jsonl_reporter does, so the document stays valid and the fact is kept.
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

Json experimentJson(const ExperimentRow& row);
// id, experiment, state, attempt, ranks, slots, step, epoch, best_val_loss, best_exact_match,
// last_metrics, restarts, relaunches, end_reason, model_config, updated_at.
Json jobJson(const JobRow& row);
Json attemptJson(const AttemptRow& row);
// {step, epoch, attempt, time, values}; `values` is passed in so a route can filter it.
Json metricJson(const MetricRow& row, Json values);
// samples_json is parsed into an array; unparsable text is kept as a string under
// "samples_raw" so a worker bug is visible rather than hidden.
Json validationJson(const ValidationRow& row);
Json checkpointJson(const CheckpointRow& row);
Json eventJson(const EventRow& row);

// Serialises with invalid UTF-8 replaced (a worker may send any bytes in a detail line):
// rendering a response must never throw.
std::string dumpJson(const Json& json);

}  // namespace cog::coord
