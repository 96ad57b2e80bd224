#include "coordinator/coordinator.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <iomanip>
#include <iostream>
#include <thread>

#include "coordinator/coordinator_impl.hpp"
#include "coordinator/http/bearer_token.hpp"
#include "coordinator/launch/advertised_endpoint.hpp"
#include "coordinator/launch/launcher_factory.hpp"
#include "coordinator/status_view.hpp"

namespace cog::coord {

double unixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Coordinator::Impl::Impl(ExperimentConfig e, CoordinatorOptions o, JobSource* job_source)
    : source(job_source),
      experiment(std::move(e)),
      options(std::move(o)),
      state{options.state_dir},
      out_(options.out ? options.out : &std::cout),
      faults(options.fault_at),
      strand(boost::asio::make_strand(io)),
      // SIGHUP too: a closed terminal or `ssh` session stops the experiment as Ctrl-C does,
      // with every worker checkpointed, instead of orphaning them.
      signals(io, SIGINT, SIGTERM, SIGHUP),
      tick_timer(strand),
      flush_timer(strand),
      status_timer(strand) {}

Instant Coordinator::Impl::now() const {
  return {
      unixNow(),
      std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count()};
}

void Coordinator::Impl::say(const std::string& line) {
  const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  localtime_r(&t, &tm);
  out() << std::put_time(&tm, "[%H:%M:%S] ") << line << std::endl;
}

// The saved endpoint's port may be held for a while by another socket: a worker's reconnect
// that the kernel gave that very port as its source (a TCP self-connect on loopback, which
// ZeroMQ drops again), or another process's ephemeral port (a port the kernel chose, as
// `tcp://127.0.0.1:0` does, lies in the ephemeral range). Retried for kResumeBindRetryS; then,
// if the experiment file lets the kernel choose, bound afresh: the local launcher relaunches
// its attempts on resume anyway, and an adopted cluster attempt that cannot reach the new
// port is restarted when its heartbeat times out.
std::unique_ptr<wire::CoordinatorEndpoint> Coordinator::Impl::bindResumedEndpoint(
    const std::string& saved, const std::optional<wire::CurveKeyPair>& curve,
    const wire::ConnectionPolicy& connections) {
  constexpr double kResumeBindRetryS = 10;
  constexpr auto kPause = std::chrono::milliseconds(250);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::duration<double>(kResumeBindRetryS);
  for (bool said = false;;) {
    try {
      return std::make_unique<wire::CoordinatorEndpoint>(saved, curve, connections);
    } catch (const CommsError& e) {
      if (std::chrono::steady_clock::now() >= give_up) {
        const std::string& configured = experiment.coordinator.wire;
        if (configured == saved) throw;
        say(std::string(e.what()) + "; binding " + configured +
            " instead (workers still running cannot reach it and are restarted)");
        return std::make_unique<wire::CoordinatorEndpoint>(configured, curve, connections);
      }
      if (!said) say(std::string(e.what()) + "; retrying for " + std::to_string(int(kResumeBindRetryS)) + " s");
      said = true;
      std::this_thread::sleep_for(kPause);
    }
  }
}

// Each wire connection is a descriptor: with max_connections open, the store, the logs and
// the REST clients must still get theirs, or accept() and open() would fail before the cap is
// reached. The soft limit (often 1024) is raised as far as needed, not to the hard limit:
// launched processes inherit it, and mpirun closes every descriptor up to it at each spawn.
void Coordinator::Impl::reserveDescriptors(int max_connections) {
  constexpr rlim_t kOwnDescriptors = 256;  // store, logs, HTTP clients, launched processes' pipes
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return;
  const rlim_t needed = static_cast<rlim_t>(max_connections) + kOwnDescriptors;
  if (limit.rlim_cur >= needed) return;
  const rlim_t before = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? needed : std::min(needed, limit.rlim_max);
  if (::setrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur >= needed) return;
  const rlim_t have = ::getrlimit(RLIMIT_NOFILE, &limit) == 0 ? limit.rlim_cur : before;
  say("WARNING: coordinator.max_connections is " + std::to_string(max_connections) + " but this process may open only " +
      std::to_string(have) + " files (ulimit -n, hard limit included); raise the limit to " + std::to_string(needed) +
      " or lower coordinator.max_connections to " + std::to_string(have > kOwnDescriptors ? have - kOwnDescriptors : 1));
}

// Opens the store and the endpoints, registers the jobs, and launches what fits.
void Coordinator::Impl::start() {
  std::filesystem::create_directories(state.root);
  store = std::make_unique<Store>(state.database());

  // The wire endpoint survives a coordinator restart: running workers reconnect to it.
  std::string wire_endpoint = experiment.coordinator.wire;
  std::string http_listen =
      options.http_override.empty() ? experiment.coordinator.http : options.http_override;
  if (http_listen == "off") http_listen.clear();
  if (options.resume) {
    const auto previous = readEndpoints(state);
    wire_endpoint = previous.wire;
    if (options.http_override.empty() && !previous.http.empty()) http_listen = previous.http;
  }
  // CURVE: one server key pair per experiment, kept for `resume` (workers that outlive a
  // coordinator reconnect to the same key).
  std::optional<wire::CurveKeyPair> curve;
  if (experiment.coordinator.curve) {
    curve = wire::readOrCreateServerKeys(state.curveServerKey());
    curve_server_public = curve->public_key;
  }
  wire::ConnectionPolicy connections;
  connections.max_connections = experiment.coordinator.max_connections;
  reserveDescriptors(connections.max_connections);
  endpoint = options.resume ? bindResumedEndpoint(wire_endpoint, curve, connections)
                            : std::make_unique<wire::CoordinatorEndpoint>(wire_endpoint, curve, connections);
  worker_endpoint = advertisedEndpoint(endpoint->boundEndpoint(), experiment.coordinator.advertise);
  // The acting routes' secret: the operator's own file, or one generated into the state dir
  // (kept across `resume`, so cogctl and scripts keep working).
  const auto token = readOrCreateToken(options.token_file.empty() ? state.tokenFile() : options.token_file);
  desk = std::make_unique<OperatorDesk>(*this);
  rest = std::make_unique<RestHandler>(*store, desk.get(), token);
  rest->setWireCounters([this] {
    const auto c = endpoint->counters();
    auto n = [](uint64_t v) { return static_cast<double>(v); };
    return Scalars{{"received", n(c.received)},         {"malformed", n(c.malformed)},
                   {"bad_magic", n(c.bad_magic)},       {"unknown_version", n(c.unknown_version)},
                   {"unknown_kind", n(c.unknown_kind)}, {"unauthenticated", n(c.unauthenticated)},
                   {"in_flight", n(c.in_flight)},       {"held_back", n(c.held_back)},
                   {"commands_sent", n(c.commands_sent)}, {"commands_failed", n(c.commands_failed)}};
  });
  rest->setWireConnections([this] {
    const auto c = endpoint->counters();
    auto n = [](uint64_t v) { return static_cast<double>(v); };
    return RestHandler::WireConnections{n(c.connections), n(c.max_connections), n(c.connections_refused), n(c.routes)};
  });
  if (source != nullptr) {
    rest->setSweeps([this] { return std::vector<std::string>{source->restView()}; });
  }
  if (!http_listen.empty()) {
    requireLoopbackUnlessPublic(http_listen, options.http_public);
    http = std::make_unique<HttpServer>(io, http_listen, *rest);
    http->start();
  }
  CoordinatorEndpoints bound{options.experiment_file, endpoint->boundEndpoint(),
                             http ? parseListenAddress(http_listen).address().to_string() + ":" +
                                        std::to_string(http->port())
                                  : std::string(),
                             static_cast<long long>(::getpid())};
  writeEndpoints(state, bound);
  launcher = makeLauncher(experiment.launcher, strand, options.default_worker, experiment.name);

  store->upsertExperiment(
      {experiment.name, options.experiment_file, experiment.yaml, "running", unixNow(), unixNow()});
  for (const auto& spec : experiment.jobs) {
    auto job = makeSupervisor(spec);
    by_id[spec.name] = job.get();
    jobs.push_back(std::move(job));
  }
  if (source != nullptr && options.resume) addSourceJobsForResume();
  say("cogcoord: experiment " + experiment.name + ", " + std::to_string(jobs.size()) + " jobs on " +
      std::to_string(experiment.slots) + " slot(s), " + launcher->kind() + " launcher; state " +
      state.root.string() + "; workers report to " + bound.wire +
      (http ? "; REST http://" + bound.http + "/api/v1/jobs" : std::string("; REST off")));
  if (!endpoint->curve()) {
    say("WARNING: coordinator.curve is off: any process that reaches " + bound.wire +
        " can report metrics, checkpoints and heartbeats for any job (use only on loopback, for debugging)");
  }
  if (http && options.http_public) {
    say("WARNING: the REST API and dashboard at " + bound.http +
        " answer every host that can reach this one (--http-public); they read the whole store, and "
        "the acting routes need the token in " +
        (options.token_file.empty() ? state.tokenFile() : options.token_file).string());
  }

  endpoint->start([this](std::vector<wire::CoordinatorEndpoint::Inbound>&& batch) {
    boost::asio::post(strand, [this, b = std::move(batch)]() mutable {
      const size_t messages = b.size();
      ingest(std::move(b));
      endpoint->ingested(messages);
    });
  }, wire::CoordinatorEndpoint::kMaxInFlight);
  boost::asio::post(strand, [this] {
    if (options.resume) resumeJobs();
    for (auto& job : jobs) saveJob(*job);
    if (options.resume && source != nullptr) {
      for (auto& job : jobs) reportEndToSource(*job);
      std::vector<JobRow> rows;
      for (auto& job : jobs) rows.push_back(job->row());
      boost::asio::post(strand, [this, rows] {
        const auto requests = source->onResumed(rows);
        saveSourceState();
        carryRequests(requests);
      });
    }
    store->flush();
    watchSignals();
    schedule();
    tick();
    tickFlush();
    tickStatus();
    finishIfDone();
  });
}

void Coordinator::Impl::watchSignals() {
  signals.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (!ec) boost::asio::post(strand, [this, signo] { onSignal(signo); });
  });
}

void Coordinator::Impl::onSignal(int signo) {
  if (done) return;
  if (interrupted) {
    say("second signal: killing every worker now");
    for (auto& job : jobs) handle(*job, [&] { return job->onKillNow(now()); });
    watchSignals();
    return;
  }
  interrupted = true;
  exit_code = kCoordInterrupted;
  say(std::string("signal ") + ::sigabbrev_np(signo) +
      ": stopping every worker (they checkpoint); " + "`cogcoord resume --state-dir " +
      state.root.string() + "` continues. Again to kill.");
  for (auto& job : jobs) handle(*job, [&] { return job->onInterrupt(now()); });
  watchSignals();
  finishIfDone();
}

// The supervisors' clock: timeouts and the settling of ended attempts. Every 100 ms, so an
// ended attempt is concluded within ~0.1 s of its 0.5 s quiet period.
void Coordinator::Impl::tick() {
  if (done) return;
  for (auto& job : jobs) {
    // An attempt waiting in a cluster scheduler's queue shows as queued, with the reason.
    const AttemptRow* attempt = job->currentAttempt();
    if (attempt != nullptr && attempt->launch_id != 0 && launcher->alive(attempt->launch_id)) {
      const auto reason = launcher->queuedReason(attempt->launch_id);
      handle(*job, [&] { return job->onSchedulerQueue(attempt->attempt, reason, now()); });
    }
    handle(*job, [&] { return job->tick(now()); });
  }
  tick_timer.expires_after(std::chrono::milliseconds(100));
  tick_timer.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tick();
  });
}

void Coordinator::Impl::tickFlush() {
  try {
    for (auto& job : jobs) {
      if (saved_version[job->row().id] != job->rowVersion()) saveJob(*job);
    }
    store->flush();
  } catch (const std::exception& e) {
    // Busy beyond the store's own wait, or a full disk: the rows stay in memory and the next
    // flush tries again; the workers' own logs keep every report meanwhile.
    say(std::string("store flush failed, retrying: ") + e.what());
  }
  if (done) return;
  flush_timer.expires_after(std::chrono::milliseconds(experiment.coordinator.flush_ms));
  flush_timer.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tickFlush();
  });
}

void Coordinator::Impl::tickStatus() {
  if (done) return;
  std::vector<JobRow> rows;
  for (auto& job : jobs) rows.push_back(job->row());
  out() << formatStatusTable(rows);
  if (source != nullptr) out() << source->statusTable();
  out() << std::flush;
  status_timer.expires_after(std::chrono::milliseconds(
      static_cast<int64_t>(experiment.coordinator.status_every_s * 1000)));
  status_timer.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tickStatus();
  });
}

// Done when no job holds its slots and either every job has ended or an interrupt stopped
// the rest (queued jobs stay queued for `resume`).
void Coordinator::Impl::finishIfDone() {
  if (done) return;
  for (auto& job : jobs) {
    if (job->holdsSlots()) return;
    if (!interrupted && !isEnded(job->state())) return;
  }
  if (source != nullptr && (source_posts_pending > 0 || (!interrupted && !source->finished())))
    return;
  done = true;
  std::vector<JobRow> rows;
  std::map<std::string, Scalars> last_validations;
  for (auto& job : jobs) {
    if (!interrupted && job->state() == JobState::kFailed) exit_code = kCoordSomeFailed;
    rows.push_back(job->row());
  }
  std::vector<EventRow> decisions;
  try {
    for (auto& job : jobs) {
      const auto validations = store->validations(job->row().id);
      if (!validations.empty()) last_validations[job->row().id] = validations.back().scalars;
    }
    for (auto& job : jobs) saveJob(*job);
    store->upsertExperiment({experiment.name, options.experiment_file, experiment.yaml,
                             interrupted ? "interrupted" : "finished", unixNow(), unixNow()});
    store->flush();
    for (const auto& e : store->events(0, "", 1000000)) {
      if (e.source == "coordinator") decisions.push_back(e);
    }
  } catch (const std::exception& e) {
    say(std::string("could not store the end of the experiment: ") + e.what());
  }
  out() << formatStatusTable(rows) << formatSummary(rows, decisions, last_validations)
        << std::flush;
  if (source != nullptr && !interrupted) {
    try {
      out() << source->finish(state.root) << std::flush;
    } catch (const std::exception& e) {
      say(std::string("could not write the ") + source->name() + "'s result: " + e.what());
    }
  }
  tick_timer.cancel();
  flush_timer.cancel();
  status_timer.cancel();
  signals.cancel();
  if (http) http->stop();
  endpoint->stop();
  // Not destroyed here: this may run inside the launcher's own exit callback, and handlers
  // it already queued still refer to it. Shut down, it lets io_context::run() return.
  launcher->shutdown();
}

Coordinator::Coordinator(ExperimentConfig experiment, CoordinatorOptions options, JobSource* source)
    : impl_(std::make_unique<Impl>(std::move(experiment), std::move(options), source)) {}

Coordinator::~Coordinator() = default;

int Coordinator::run() {
  impl_->start();
  // Handlers that act for a job catch their own errors (Impl::handle); this is the backstop
  // for the rest, so that no exception ends cogcoord and orphans its workers. run() may be
  // called again after a handler threw (Asio keeps the queued work).
  for (;;) {
    try {
      impl_->io.run();
      break;
    } catch (const std::exception& e) {
      impl_->say(std::string("error in an event handler, going on: ") + e.what());
    }
  }
  return impl_->exit_code;
}

}  // namespace cog::coord
