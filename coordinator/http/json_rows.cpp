#include "coordinator/http/json_rows.hpp"

#include <cmath>

namespace cog::coord {

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

Json experimentJson(const ExperimentRow& row) {
  return JsonObjectBuilder(6)
      .add("id", row.id)
      .add("config_path", row.config_path)
      .add("config_yaml", row.config_yaml)
      .add("state", row.state)
      .add("created_at", row.created_at)
      .add("updated_at", row.updated_at)
      .build();
}

Json jobJson(const JobRow& row) {
  return JsonObjectBuilder(16)
      .add("id", row.id)
      .add("experiment", row.experiment_id)
      .add("state", row.state)
      .add("attempt", row.attempt)
      .add("ranks", row.ranks)
      .add("slots", row.slots)
      .add("step", row.step)
      .add("epoch", row.epoch)
      .add("best_val_loss", jsonNumber(row.best_val_loss))
      .add("best_exact_match", jsonNumber(row.best_exact_match))
      .add("last_metrics", scalarsJson(row.last_metrics))
      .add("restarts", row.restarts)
      .add("relaunches", row.relaunches)
      .add("end_reason", row.end_reason)
      .add("model_config", row.model_config)
      .add("updated_at", row.updated_at)
      .build();
}

Json attemptJson(const AttemptRow& row) {
  return JsonObjectBuilder(11)
      .add("attempt", row.attempt)
      .add("kind", row.kind)
      .add("overrides", row.overrides)
      .add("start_checkpoint", row.start_checkpoint)
      .add("start_step", row.start_step)
      .add("run_dir", row.run_dir)
      .add("pid", row.pid)
      .add("started_at", row.started_at)
      .add("ended_at", row.ended_at)
      .add("end_reason", row.end_reason)
      .add("exit_code", row.exit_code)
      .build();
}

Json metricJson(const MetricRow& row, Json values) {
  return JsonObjectBuilder(5)
      .add("step", row.step)
      .add("epoch", row.epoch)
      .add("attempt", row.attempt)
      .add("time", row.time)
      .add("values", std::move(values))
      .build();
}

Json validationJson(const ValidationRow& row) {
  JsonObjectBuilder out(7);
  out.add("step", row.step)
      .add("epoch", row.epoch)
      .add("attempt", row.attempt)
      .add("time", row.time)
      .add("values", scalarsJson(row.scalars));
  Json samples = row.samples_json.empty()
                     ? Json::array()
                     : Json::parse(row.samples_json, nullptr, /*allow_exceptions=*/false);
  if (samples.is_discarded()) {
    out.add("samples", Json::array()).add("samples_raw", row.samples_json);
  } else {
    out.add("samples", std::move(samples));
  }
  return out.build();
}

Json checkpointJson(const CheckpointRow& row) {
  return JsonObjectBuilder(7)
      .add("attempt", row.attempt)
      .add("step", row.step)
      .add("name", row.name)
      .add("path", row.path)
      .add("val_loss", jsonNumber(row.val_loss))
      .add("healthy", row.healthy)
      .add("time", row.time)
      .build();
}

Json eventJson(const EventRow& row) {
  return JsonObjectBuilder(8)
      .add("id", row.id)
      .add("time", row.time)
      .add("job", row.job_id)
      .add("attempt", row.attempt)
      .add("source", row.source)
      .add("kind", row.kind)
      .add("detail", row.detail)
      .add("numbers", scalarsJson(row.numbers))
      .build();
}

std::string dumpJson(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace cog::coord
