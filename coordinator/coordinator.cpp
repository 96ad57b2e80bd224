#include "coordinator/coordinator.hpp"

#include <boost/asio/post.hpp>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "coordinator/coordinator_impl.hpp"
#include "coordinator/launch/process_group.hpp"
#include "coordinator/status_view.hpp"

namespace cog::coord {

double unixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Coordinator::Impl::Impl(ExperimentConfig e, CoordinatorOptions o)
    : experiment(std::move(e)),
      options(std::move(o)),
      state{options.state_dir},
      out_(options.out ? options.out : &std::cout),
      strand(boost::asio::make_strand(io)),
      signals(io, SIGINT, SIGTERM),
      flush_timer(strand),
      status_timer(strand),
      heartbeat_timer(strand) {}

void Coordinator::Impl::say(const std::string& line) {
  const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  localtime_r(&t, &tm);
  out() << std::put_time(&tm, "[%H:%M:%S] ") << line << std::endl;
}

// Opens the store and the endpoints, registers the jobs, and launches what fits.
void Coordinator::Impl::start() {
  std::filesystem::create_directories(state.root);
  store = std::make_unique<Store>(state.database());

  // The wire endpoint survives a coordinator restart: running workers reconnect to it.
  std::string wire_endpoint = experiment.coordinator.wire;
  std::string http_listen = options.http_override.empty() ? experiment.coordinator.http : options.http_override;
  if (http_listen == "off") http_listen.clear();
  if (options.resume) {
    const auto previous = readEndpoints(state);
    wire_endpoint = previous.wire;
    if (options.http_override.empty() && !previous.http.empty()) http_listen = previous.http;
  }
  endpoint = std::make_unique<wire::CoordinatorEndpoint>(wire_endpoint);
  rest = std::make_unique<RestHandler>(*store);
  if (!http_listen.empty()) {
    http = std::make_unique<HttpServer>(io, http_listen, *rest);
    http->start();
  }
  CoordinatorEndpoints bound{options.experiment_file, endpoint->boundEndpoint(),
                             http ? parseListenAddress(http_listen).address().to_string() + ":" +
                                        std::to_string(http->port())
                                  : std::string(),
                             static_cast<long long>(::getpid())};
  writeEndpoints(state, bound);

  LocalLauncherOptions launch;
  launch.worker = experiment.launcher.worker.empty() ? options.default_worker : experiment.launcher.worker;
  launch.mpirun = experiment.launcher.mpirun;
  launch.mpirun_args = experiment.launcher.mpirun_args;
  launch.threads_per_rank = experiment.launcher.threads_per_rank;
  launcher = std::make_unique<LocalLauncher>(strand, launch);

  const double now = unixNow();
  store->upsertExperiment({experiment.name, options.experiment_file, experiment.yaml, "running", now, now});
  for (const auto& spec : experiment.jobs) {
    auto job = std::make_unique<JobRuntime>();
    job->spec = spec;
    job->policies = std::make_unique<PolicySet>(experiment.policies);
    job->row.id = spec.name;
    job->row.experiment_id = experiment.name;
    job->row.model_config = spec.config;
    job->row.state = "queued";
    job->row.ranks = spec.ranks;
    job->row.slots = spec.slots;
    by_id[spec.name] = job.get();
    jobs.push_back(std::move(job));
  }
  say("cogcoord: experiment " + experiment.name + ", " + std::to_string(jobs.size()) + " jobs on " +
      std::to_string(experiment.slots) + " slot(s); state " + state.root.string() + "; workers report to " +
      bound.wire + (http ? "; REST http://" + bound.http + "/api/v1/jobs" : std::string("; REST off")));

  endpoint->start([this](std::vector<wire::CoordinatorEndpoint::Inbound>&& batch) {
    boost::asio::post(strand, [this, b = std::move(batch)]() mutable { ingest(std::move(b)); });
  });
  if (options.resume) resumeJobs();
  for (auto& job : jobs) saveJob(*job);
  store->flush();

  signals.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (!ec) boost::asio::post(strand, [this, signo] { onSignal(signo); });
  });
  boost::asio::post(strand, [this] {
    schedule();
    tickFlush();
    tickHeartbeats();
    tickStatus();
    finishIfDone();
  });
}

// After a coordinator crash: finished jobs stay finished; a job that was running is stopped
// if its processes outlived the coordinator (they checkpoint on SIGTERM) and relaunched
// from its newest checkpoint; the store is backfilled from each attempt's own log.
void Coordinator::Impl::resumeJobs() {
  for (auto& job : jobs) {
    auto stored = store->job(job->spec.name);
    if (!stored) continue;
    job->row = *stored;
    // Early stopping continues where it was: the stored validations are replayed into it
    // (verdicts they would give were already acted on, so they are dropped).
    for (const auto& v : store->validations(job->row.id)) job->policies->onValidation(v);
    auto attempts = store->attempts(job->row.id);
    if (!attempts.empty()) job->adjustments = adjustmentsFromOverrides(attempts.back().overrides);
    const bool ended = job->row.state == "finished" || job->row.state == "early_stopped" || job->row.state == "failed";
    if (ended) continue;
    for (auto& a : attempts) {
      if (a.ended_at > 0) continue;
      if (processGroupAlive(a.pid)) {
        say(job->row.id + "#" + std::to_string(a.attempt) + ": still running from the previous coordinator (process group " +
            std::to_string(a.pid) + "): stopping it to relaunch under this one");
        terminateProcessGroup(a.pid, std::chrono::milliseconds(static_cast<int64_t>(experiment.launcher.stop_grace_s * 1000)));
      }
      backfill(*job, a.attempt, a.run_dir);
      a.ended_at = unixNow();
      a.end_reason = "coordinator_lost";
      store->updateAttempt(a);
    }
    if (job->row.attempt > 0) {
      job->row.state = "resuming";
      decide(*job, "resume", "coordinator restarted: relaunching from the newest checkpoint");
      launch(*job, "resume", newestCheckpoint(job->row.id, true));
    } else {
      job->row.state = "queued";
    }
  }
}

void Coordinator::Impl::onSignal(int signo) {
  if (interrupted) {
    say("second signal: killing every worker now");
    for (auto& job : jobs) {
      if (job->running) launcher->stop(job->launch_id, std::chrono::milliseconds(0));
    }
    return;
  }
  interrupted = true;
  exit_code = kCoordInterrupted;
  say(std::string("signal ") + (signo == SIGINT ? "SIGINT" : "SIGTERM") +
      ": stopping every worker (they checkpoint); `cogcoord resume --state-dir " + state.root.string() +
      "` continues. Again to kill.");
  for (auto& job : jobs) {
    if (job->running) requestStop(*job, PlannedEnd::kInterrupted, "coordinator interrupted");
  }
  signals.async_wait([this](const boost::system::error_code& ec, int s) {
    if (!ec) boost::asio::post(strand, [this, s] { onSignal(s); });
  });
  finishIfDone();
}

void Coordinator::Impl::tickFlush() {
  for (auto& job : jobs) {
    if (job->dirty) saveJob(*job);
  }
  store->flush();
  if (done) return;
  flush_timer.expires_after(std::chrono::milliseconds(experiment.coordinator.flush_ms));
  flush_timer.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tickFlush();
  });
}

void Coordinator::Impl::tickStatus() {
  if (done) return;
  std::vector<JobRow> rows;
  for (auto& job : jobs) rows.push_back(job->row);
  out() << formatStatusTable(rows) << std::flush;
  status_timer.expires_after(std::chrono::milliseconds(static_cast<int64_t>(experiment.coordinator.status_every_s * 1000)));
  status_timer.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tickStatus();
  });
}

// A running attempt that has sent nothing (heartbeats come every second from the worker's
// I/O thread) for restart.heartbeat_timeout_s is presumed hung: stopped and restarted.
void Coordinator::Impl::tickHeartbeats() {
  if (done) return;
  const auto timeout = std::chrono::duration<double>(experiment.policies.restart.heartbeat_timeout_s);
  for (auto& job : jobs) {
    if (!job->running || job->planned_end != PlannedEnd::kNone || job->exit_status) continue;
    const auto silent = Clock::now() - job->last_seen;
    if (silent > timeout) {
      const double seconds = std::chrono::duration<double>(silent).count();
      decide(*job, "lost_heartbeat",
             "no message for " + formatValue(seconds, 3) + " s (limit " +
                 formatValue(experiment.policies.restart.heartbeat_timeout_s) + " s): stopping the attempt to restart it",
             {{"silent_s", seconds}});
      requestStop(*job, PlannedEnd::kLostHeartbeat, "lost heartbeat");
    }
  }
  heartbeat_timer.expires_after(std::chrono::seconds(1));
  heartbeat_timer.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tickHeartbeats();
  });
}

void Coordinator::Impl::finishIfDone() {
  if (done) return;
  for (auto& job : jobs) {
    if (job->running) return;
    if (!interrupted && (job->row.state == "queued" || job->row.state == "resuming")) return;
  }
  done = true;
  for (auto& job : jobs) {
    if (!interrupted && job->row.state == "failed") exit_code = kCoordSomeFailed;
    saveJob(*job);
  }
  const double now = unixNow();
  store->upsertExperiment({experiment.name, options.experiment_file, experiment.yaml,
                           interrupted ? "interrupted" : "finished", now, now});
  store->flush();
  std::vector<JobRow> rows;
  std::vector<EventRow> decisions;
  for (auto& job : jobs) rows.push_back(job->row);
  for (const auto& e : store->events(0, "", 1000000)) {
    if (e.source == "coordinator") decisions.push_back(e);
  }
  out() << formatStatusTable(rows) << formatSummary(rows, decisions) << std::flush;
  flush_timer.cancel();
  status_timer.cancel();
  heartbeat_timer.cancel();
  signals.cancel();
  if (http) http->stop();
  endpoint->stop();
  // Not destroyed here: this may run inside the launcher's own exit callback, and handlers
  // it already queued still refer to it. Shut down, it lets io_context::run() return.
  launcher->shutdown();
}

Coordinator::Coordinator(ExperimentConfig experiment, CoordinatorOptions options)
    : impl_(std::make_unique<Impl>(std::move(experiment), std::move(options))) {}

Coordinator::~Coordinator() = default;

int Coordinator::run() {
  impl_->start();
  impl_->io.run();
  return impl_->exit_code;
}

}  // namespace cog::coord
