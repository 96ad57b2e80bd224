#pragma once
// The one description of every stored row: its columns, in order, each a name and the member
// it holds. The schema (schema.cpp), the writes and reads (store.cpp, row_sql.hpp) and the REST
// JSON (http/json_rows.cpp) are all generated from these lists, as comms/wire/message_fields.hpp
// does for wire messages; adding a field is one line here (and a schema version bump).
//
// `io` is called as io(name, member) and returns itself. Member types and how they are kept:
//   std::string, JsonText -> TEXT;  int, int64_t, bool -> INTEGER;  double -> REAL (NaN = NULL);
//   Scalars, std::vector<std::string> -> TEXT holding JSON;  JobState, AttemptKind,
//   AttemptEnd -> TEXT holding the name (states.hpp).
// Keys, uniqueness and columns that no row carries (metrics.superseded) are the tables'
// own business: schema.cpp.
#include <type_traits>

#include "coordinator/store/records.hpp"

namespace cog::coord {

template <typename>
constexpr bool kNoColumnList = false;

template <typename Io, typename Row>
void columns(Io& io, Row& r) {
  using T = std::remove_const_t<Row>;
  if constexpr (std::is_same_v<T, ExperimentRow>) {
    io("id", r.id)("config_path", r.config_path)("config_yaml", r.config_yaml)("state", r.state)(
        "created_at", r.created_at)("updated_at", r.updated_at);
  } else if constexpr (std::is_same_v<T, JobRow>) {
    io("id", r.id)("experiment_id", r.experiment_id)("model_config", r.model_config)(
        "state", r.state)("attempt", r.attempt)("ranks", r.ranks)("slots", r.slots)(
        "restarts", r.restarts)("relaunches", r.relaunches)("step", r.step)("epoch", r.epoch)(
        "best_val_loss", r.best_val_loss)("best_exact_match", r.best_exact_match)(
        "last_metrics", r.last_metrics)("end_reason", r.end_reason)("updated_at", r.updated_at);
  } else if constexpr (std::is_same_v<T, AttemptRow>) {
    io("job_id", r.job_id)("attempt", r.attempt)("kind", r.kind)("overrides", r.overrides)("operator_overrides", r.operator_overrides)(
        "lr_factor", r.lr_factor)("grokfast_lambda_factor", r.grokfast_lambda_factor)(
        "fresh_warmup", r.fresh_warmup)("start_checkpoint", r.start_checkpoint)(
        "start_step", r.start_step)("run_dir", r.run_dir)("launch_id", r.launch_id)(
        "started_at", r.started_at)("ended_at", r.ended_at)("end", r.end)(
        "end_reason", r.end_reason)("exit_code", r.exit_code)("signal", r.signal)(
        "diverged_at_step", r.diverged_at_step);
  } else if constexpr (std::is_same_v<T, MetricRow>) {
    io("job_id", r.job_id)("attempt", r.attempt)("step", r.step)("epoch", r.epoch)("time", r.time)(
        "scalars", r.scalars);
  } else if constexpr (std::is_same_v<T, ValidationRow>) {
    io("job_id", r.job_id)("attempt", r.attempt)("step", r.step)("epoch", r.epoch)("time", r.time)(
        "scalars", r.scalars)("samples", r.samples);
  } else if constexpr (std::is_same_v<T, CheckpointRow>) {
    io("job_id", r.job_id)("attempt", r.attempt)("step", r.step)("name", r.name)("path", r.path)(
        "val_loss", r.val_loss)("healthy", r.healthy)("time", r.time);
  } else if constexpr (std::is_same_v<T, EventRow>) {
    io("id", r.id)("time", r.time)("job_id", r.job_id)("attempt", r.attempt)("source", r.source)(
        "kind", r.kind)("detail", r.detail)("numbers", r.numbers);
  } else {
    static_assert(kNoColumnList<T>, "no column list for this row type");
  }
}

}  // namespace cog::coord
