// What rank 0 of each attempt reports, from the wire into the store and the policies.
#include <cmath>
#include <nlohmann/json.hpp>

#include "coordinator/coordinator_impl.hpp"
#include "coordinator/status_view.hpp"
#include "coordinator/worker_log.hpp"

namespace cog::coord {
namespace {

std::string samplesJson(const std::vector<wire::Sample>& samples);

}  // namespace

void Coordinator::Impl::ingest(std::vector<wire::CoordinatorEndpoint::Inbound>&& batch) {
  for (auto& in : batch) {
    auto it = by_id.find(in.envelope.job);
    if (it == by_id.end()) continue;  // not this experiment's job (a stale worker): ignored
    JobRuntime& job = *it->second;
    const auto& env = in.envelope;
    const bool current = job.running && env.attempt == job.attempt.attempt;
    if (current) job.last_seen = Clock::now();
    std::visit(
        [&](const auto& message) {
          using T = std::decay_t<decltype(message)>;
          if constexpr (std::is_same_v<T, wire::Metrics>) {
            onMetrics(job, env, message, in.received_at);
          } else if constexpr (std::is_same_v<T, wire::Validation>) {
            onValidation(job, env, message, in.received_at);
          } else if constexpr (std::is_same_v<T, wire::Event>) {
            onWorkerEvent(job, env, message, in.received_at);
          } else if constexpr (std::is_same_v<T, wire::Hello>) {
            store->appendEvent({0, in.received_at, job.row.id, env.attempt, "worker", "hello",
                                "pid " + std::to_string(message.pid) + " on " + message.host + ", " +
                                    std::to_string(message.world_size) + " rank(s), run dir " + message.run_dir,
                                message.hyperparameters});
          }
          // Heartbeats only refresh last_seen; Commands never come from workers.
        },
        in.message);
  }
}

void Coordinator::Impl::onMetrics(JobRuntime& job, const wire::Envelope& env, const wire::Metrics& m, double now) {
  MetricRow row{job.row.id, env.attempt, m.step, m.epoch, now, m.scalars};
  store->appendMetric(row);
  if (!job.running || env.attempt != job.attempt.attempt) return;  // a late report of an ended attempt
  job.row.step = m.step;
  job.row.epoch = m.epoch;
  job.row.last_metrics = m.scalars;
  job.row.last_metrics.emplace_back("eta_s", m.eta_seconds);
  job.dirty = true;
  if (job.planned_end != PlannedEnd::kNone) return;
  if (auto verdict = job.policies->onMetrics(row)) act(job, *verdict);
}

void Coordinator::Impl::onValidation(JobRuntime& job, const wire::Envelope& env, const wire::Validation& v,
                                     double now) {
  ValidationRow row{job.row.id, env.attempt, v.step, v.epoch, now, v.scalars, samplesJson(v.samples)};
  store->appendValidation(row);
  if (!job.running || env.attempt != job.attempt.attempt) return;
  job.row.step = std::max(job.row.step, v.step);  // the last epoch ends between metric reports
  const double val_loss = scalarOr(v.scalars, "val_loss");
  const double exact = scalarOr(v.scalars, "exact_match");
  if (std::isfinite(val_loss) && (std::isnan(job.row.best_val_loss) || val_loss < job.row.best_val_loss)) {
    job.row.best_val_loss = val_loss;
  }
  if (std::isfinite(exact) && (std::isnan(job.row.best_exact_match) || exact > job.row.best_exact_match)) {
    job.row.best_exact_match = exact;
  }
  job.dirty = true;
  say(job.row.id + "#" + std::to_string(env.attempt) + " validation at step " + std::to_string(v.step) +
      ": val_loss " + formatValue(val_loss) + ", exact_match " + formatValue(exact, 3) + ", distinct_1 " +
      formatValue(scalarOr(v.scalars, "distinct_1"), 3));
  if (job.planned_end != PlannedEnd::kNone) return;
  if (auto verdict = job.policies->onValidation(row)) act(job, *verdict);
}

void Coordinator::Impl::onWorkerEvent(JobRuntime& job, const wire::Envelope& env, const wire::Event& e, double now) {
  store->appendEvent({0, now, job.row.id, env.attempt, "worker", e.kind, e.detail, {}});
  if (e.kind == "checkpoint") recordCheckpoint(job, env.attempt, e.step, e.detail, now);
  const bool current = job.running && env.attempt == job.attempt.attempt;
  if (current && e.kind == "finished") job.worker_finish_reason = finishedReason(e.detail);
  if (current && (e.kind == "finished" || e.kind == "failed")) job.worker_said_goodbye = true;
  if (e.kind == "stage_change" || e.kind == "failed" || e.kind == "adjusted" || e.kind == "resume" ||
      e.kind == "skipped_step") {
    say(job.row.id + "#" + std::to_string(env.attempt) + " " + e.kind + ": " + e.detail);
  }
}

// A checkpoint saved by an attempt the coordinator has condemned (it diverged at or before
// this step) is never a rollback target.
void Coordinator::Impl::recordCheckpoint(JobRuntime& job, int attempt, int64_t step, const std::string& detail,
                                         double now) {
  CheckpointRow row;
  if (!parseCheckpointEvent(detail, row.name, row.path)) return;
  row.job_id = job.row.id;
  row.attempt = attempt;
  row.step = step;
  row.time = now;
  for (const auto& v : store->validations(job.row.id)) {
    if (v.attempt == attempt && v.step == step) row.val_loss = scalarOr(v.scalars, "val_loss");
  }
  const bool condemned = job.running && attempt == job.attempt.attempt && job.planned_end == PlannedEnd::kDiverged &&
                         step >= job.diverged_at_step;
  row.healthy = !condemned;
  store->appendCheckpoint(row);
}

// Stores whatever the attempt's own log holds that the wire did not deliver (the store
// ignores duplicates), and says how much that was.
std::string Coordinator::Impl::backfill(JobRuntime& job, int attempt, const std::filesystem::path& run_dir) {
  const auto log = readWorkerLog(run_dir / "metrics.jsonl", job.row.id, attempt);
  std::string finish_reason;
  const int64_t before = store->metricCount(job.row.id, true);
  for (const auto& m : log.metrics) store->appendMetric(m);
  const int64_t added = store->metricCount(job.row.id, true) - before;
  for (const auto& e : log.events) {
    if (e.kind == "checkpoint") recordCheckpoint(job, attempt, e.step, e.detail, unixNow());
    if (e.kind == "finished") finish_reason = finishedReason(e.detail);
  }
  if (added > 0) {
    decide(job, "backfill",
           std::to_string(added) + " metric report(s) of attempt " + std::to_string(attempt) +
               " missing from the wire were read from " + (run_dir / "metrics.jsonl").string(),
           {{"rows", static_cast<double>(added)}});
  }
  return finish_reason;
}

namespace {

// Generated text may hold bytes that are not UTF-8 (a byte-level model's output): replaced.
std::string samplesJson(const std::vector<wire::Sample>& samples) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : samples) {
    out.push_back({{"source", s.source}, {"prompt", s.prompt}, {"generated", s.generated},
                   {"expected", s.expected}, {"correct", s.correct}});
  }
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace
}  // namespace cog::coord
