#pragma once
// Private to coordinator/*.cpp: the state behind Coordinator. Every member is touched on
// the strand only, except `endpoint` (its own receive thread posts batches into the strand).
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <ostream>

#include "comms/wire/coordinator_endpoint.hpp"
#include "coordinator/coordinator.hpp"
#include "coordinator/http/http_server.hpp"
#include "coordinator/http/rest_handler.hpp"
#include "coordinator/launch/local_launcher.hpp"
#include "coordinator/policy/policy_set.hpp"
#include "coordinator/policy/rollback.hpp"
#include "coordinator/state_dir.hpp"
#include "coordinator/store/store.hpp"

namespace cog::coord {

using Clock = std::chrono::steady_clock;

// Why the coordinator is ending the running attempt (empty: it is not).
enum class PlannedEnd { kNone, kEarlyStop, kDiverged, kLostHeartbeat, kInterrupted };

// One job's live state; `row` mirrors what is stored.
struct JobRuntime {
  JobSpec spec;
  JobRow row;
  std::unique_ptr<PolicySet> policies;
  Adjustments adjustments;  // what the next relaunch builds on (compounds)
  bool dirty = false;       // row changed since the last store write

  // The running attempt, if any.
  bool running = false;
  int64_t launch_id = 0;
  AttemptRow attempt;
  Clock::time_point last_seen;
  PlannedEnd planned_end = PlannedEnd::kNone;
  int64_t diverged_at_step = -1;
  std::string worker_finish_reason;  // from the worker's "finished" event
  bool worker_said_goodbye = false;  // its "finished" or "failed" event arrived
  // The processes are gone; the verdict waits until the wire has delivered the attempt's
  // last messages (they may still be queued behind other jobs' reports).
  std::optional<ExitStatus> exit_status;
  Clock::time_point exited_at;
  std::unique_ptr<boost::asio::steady_timer> stop_deadline;
};

struct Coordinator::Impl {
  Impl(ExperimentConfig experiment, CoordinatorOptions options);

  // setup and loop (coordinator.cpp)
  void start();
  void resumeJobs();
  void onSignal(int signo);
  void tickFlush();
  void tickStatus();
  void tickHeartbeats();
  void finishIfDone();
  std::ostream& out() { return *out_; }
  void say(const std::string& line);

  // ingest (coordinator_ingest.cpp)
  void ingest(std::vector<wire::CoordinatorEndpoint::Inbound>&& batch);
  void onMetrics(JobRuntime& job, const wire::Envelope& env, const wire::Metrics& m, double now);
  void onValidation(JobRuntime& job, const wire::Envelope& env, const wire::Validation& v, double now);
  void onWorkerEvent(JobRuntime& job, const wire::Envelope& env, const wire::Event& e, double now);
  void recordCheckpoint(JobRuntime& job, int attempt, int64_t step, const std::string& detail, double now);
  // Returns the finish reason the log's "finished" event states ("" if none).
  std::string backfill(JobRuntime& job, int attempt, const std::filesystem::path& run_dir);

  // decisions and attempts (job_lifecycle.cpp)
  void schedule();
  void launch(JobRuntime& job, const std::string& kind, const std::optional<CheckpointRow>& from);
  void act(JobRuntime& job, const Verdict& verdict);
  void requestStop(JobRuntime& job, PlannedEnd why, const std::string& reason);
  void onAttemptExit(const std::string& job_id, int attempt, const ExitStatus& status);
  void settleAttempt(const std::string& job_id, int attempt);
  void concludeAttempt(JobRuntime& job, const ExitStatus& status);
  void restart(JobRuntime& job, const std::string& why);
  void rollback(JobRuntime& job);
  void endJob(JobRuntime& job, const std::string& state, const std::string& reason);
  int64_t decide(JobRuntime& job, const std::string& kind, const std::string& detail, const Scalars& numbers = {});
  void saveJob(JobRuntime& job);
  int freeSlots() const;
  std::optional<CheckpointRow> newestCheckpoint(const std::string& job_id, bool healthy_only) const;

  ExperimentConfig experiment;
  CoordinatorOptions options;
  StateDir state;
  std::ostream* out_;
  boost::asio::io_context io;
  boost::asio::strand<boost::asio::io_context::executor_type> strand;
  std::unique_ptr<Store> store;
  std::unique_ptr<wire::CoordinatorEndpoint> endpoint;
  std::unique_ptr<RestHandler> rest;
  std::unique_ptr<HttpServer> http;
  std::unique_ptr<LocalLauncher> launcher;
  boost::asio::signal_set signals;
  boost::asio::steady_timer flush_timer;
  boost::asio::steady_timer status_timer;
  boost::asio::steady_timer heartbeat_timer;
  std::vector<std::unique_ptr<JobRuntime>> jobs;  // experiment order = queue order
  std::map<std::string, JobRuntime*> by_id;
  bool interrupted = false;
  bool done = false;
  int exit_code = kCoordAllSucceeded;
};

double unixNow();

}  // namespace cog::coord
