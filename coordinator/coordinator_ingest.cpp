// What rank 0 of each attempt reports, from the wire (or, after the fact, from its own log)
// into the store and the job's supervisor.
#include "comms/wire/jsonl_codec.hpp"
#include "coordinator/coordinator_impl.hpp"
#include "coordinator/worker_log.hpp"

namespace cog::coord {

void Coordinator::Impl::ingest(std::vector<wire::CoordinatorEndpoint::Inbound>&& batch) {
  bool metrics = false;
  for (auto& in : batch) {
    auto it = by_id.find(in.envelope.job);
    if (it == by_id.end()) continue;  // not this experiment's job (a stale worker): ignored
    metrics = metrics || std::holds_alternative<wire::Metrics>(in.message);
    deliver(*it->second, in.envelope.attempt, in.message, in.received_at);
  }
  if (metrics) faults.reached(FaultPoint::kMetricsUncommitted);
}

void Coordinator::Impl::deliver(JobSupervisor& job, int attempt, const wire::Message& message,
                                double received_at, KnownEvents* known) {
  const std::string& id = job.row().id;
  const Instant t = now();
  // A worker event, stored unless `known` holds it (then that copy is used up and false is
  // returned: the terminal already showed it too).
  const auto event = [&](std::string kind, std::string detail, Scalars numbers = {}) {
    if (known != nullptr) {
      const auto it = known->find({kind, detail});
      if (it != known->end()) {
        known->erase(it);
        return false;
      }
    }
    store->appendEvent({0, received_at, id, attempt, "worker", std::move(kind), std::move(detail),
                        std::move(numbers)});
    return true;
  };
  handle(job, [&]() -> Actions {
    return std::visit(
        [&](const auto& m) -> Actions {
          using T = std::decay_t<decltype(m)>;
          if constexpr (std::is_same_v<T, wire::Metrics>) {
            MetricRow row{id, attempt, m.step, m.epoch, received_at, m.scalars};
            store->appendMetric(row);
            return job.onMetrics(row, m.eta_seconds, t);
          } else if constexpr (std::is_same_v<T, wire::Validation>) {
            ValidationRow row{id,
                              attempt,
                              m.step,
                              m.epoch,
                              received_at,
                              m.scalars,
                              JsonText{wire::samplesJson(m.samples)}};
            store->appendValidation(row);
            Actions actions = job.onValidation(row, t);
            // A sweep ranks trials by their validations; one from an attempt the divergence
            // policy is rolling back would rank a collapse, not the hyperparameters (the
            // relaunched attempt reports again). Posted: the source hears it after the
            // supervisor's own decision is carried out.
            if (!(row.attempt == job.row().attempt && job.attemptDiverged()))
              passValidationToSource(row);
            return actions;
          } else if constexpr (std::is_same_v<T, wire::CheckpointSaved>) {
            event("checkpoint", m.name + " saved at " + m.path);
            return job.onCheckpointSaved(attempt, m, t);
          } else if constexpr (std::is_same_v<T, wire::RunFinished>) {
            const bool fresh = event("finished", std::string(wire::runEndName(m.reason)) +
                                                     (m.detail.empty() ? "" : ": " + m.detail));
            if (fresh && m.reason == wire::RunEnd::kFailed)
              say(id + "#" + std::to_string(attempt) + " failed: " + m.detail);
            return job.onRunFinished(attempt, m, t);
          } else if constexpr (std::is_same_v<T, wire::Event>) {
            const bool fresh = event(m.kind, m.detail);
            if (fresh && (m.kind == "stage_change" || m.kind == "adjusted" || m.kind == "resume" ||
                          m.kind == "skipped_step")) {
              say(id + "#" + std::to_string(attempt) + " " + m.kind + ": " + m.detail);
            }
            return {};
          } else if constexpr (std::is_same_v<T, wire::Hello>) {
            event("hello",
                  "pid " + std::to_string(m.pid) + " on " + m.host + ", " +
                      std::to_string(m.world_size) + " rank(s), run dir " + m.run_dir,
                  m.hyperparameters);
            return job.onHello(attempt, m, t);
          } else if constexpr (std::is_same_v<T, wire::Heartbeat>) {
            return job.onHeartbeat(attempt, m, t);
          } else {
            return {};  // Commands never come from workers
          }
        },
        message);
  });
}

// Stores whatever the attempt's own log holds that the wire did not deliver (the store
// ignores duplicate metric and validation rows; worker events are matched against those
// already stored, also by a coordinator that ran before a `resume`), says how much that was,
// then lets the supervisor conclude.
void Coordinator::Impl::readAttemptLog(JobSupervisor& job, int attempt,
                                       const std::string& run_dir) {
  const auto file = std::filesystem::path(run_dir) / "metrics.jsonl";
  const auto log = readWorkerLog(file);
  for (const auto& bad : log.skipped) {
    say(job.row().id + "#" + std::to_string(attempt) + ": " + file.string() + ":" +
        std::to_string(bad.line) + ": skipped: " + bad.error);
  }
  const std::string& id = job.row().id;
  const int64_t before = store->metricCount(id, true);
  const double t = unixNow();
  KnownEvents known;
  for (int64_t since = 0;;) {
    const auto page = store->events(since, id, 4096);
    for (const auto& e : page) {
      if (e.attempt == attempt && e.source == "worker") known.insert({e.kind, e.detail});
    }
    if (page.size() < 4096) break;
    since = page.back().id;
  }
  for (const auto& message : log.messages) deliver(job, attempt, message, t, &known);
  const int64_t added = store->metricCount(id, true) - before;
  if (added > 0) {
    store->appendEvent({0,
                        unixNow(),
                        id,
                        attempt,
                        "coordinator",
                        "backfill",
                        std::to_string(added) + " metric report(s) of attempt " +
                            std::to_string(attempt) + " missing from the wire were read from " +
                            file.string(),
                        {{"rows", static_cast<double>(added)}}});
    say(id + "#" + std::to_string(attempt) + " backfill: " + std::to_string(added) +
        " metric report(s) read from " + file.string());
  }
  handle(job, [&] { return job.onLogRead(attempt, now()); });
}

}  // namespace cog::coord
