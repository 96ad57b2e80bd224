#pragma once
// Private to coordinator/*.cpp: the Asio shell around the job supervisors. It feeds each
// JobSupervisor its events (wire messages, process exits, the clock, signals) and carries
// out the actions it returns through the store, the wire endpoint and the Launcher.
//
// Threads: every member is touched on the strand only, except `endpoint` (its own receive
// thread posts batches into the strand).
//
// Files: coordinator.cpp (setup, timers, signals, the end), coordinator_ingest.cpp (wire
// and log -> supervisors), coordinator_actions.cpp (actions -> store, launcher, wire),
// coordinator_resume.cpp (after a restart), coordinator_operator.cpp (the REST API's acts).
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <set>

#include "comms/wire/coordinator_endpoint.hpp"
#include "coordinator/coordinator.hpp"
#include "coordinator/core/job_supervisor.hpp"
#include "coordinator/fault_hook.hpp"
#include "coordinator/job_source.hpp"
#include "coordinator/http/http_server.hpp"
#include "coordinator/http/operator_actions.hpp"
#include "coordinator/http/rest_handler.hpp"
#include "coordinator/launch/launcher.hpp"
#include "coordinator/state_dir.hpp"
#include "coordinator/store/store.hpp"

namespace cog::coord {

// The coordinator's side of the REST API's acting routes (coordinator_operator.cpp).
class OperatorDesk final : public OperatorActions {
 public:
  explicit OperatorDesk(Coordinator::Impl& impl);
  std::string stopJob(const std::string& job, const std::string& who) override;
  std::string checkpointJob(const std::string& job, const std::string& who) override;
  std::string relaunchJob(const std::string& job, const std::vector<std::string>& overrides,
                          const std::string& checkpoint, const std::string& who) override;
  std::string stopExperiment(const std::string& experiment, const std::string& who) override;

 private:
  JobSupervisor& job(const std::string& id);
  void refuseWhileShuttingDown() const;
  Coordinator::Impl& impl_;
};

struct Coordinator::Impl {
  Impl(ExperimentConfig experiment, CoordinatorOptions options, JobSource* source);

  // setup, timers and the end (coordinator.cpp)
  void start();
  void onSignal(int signo);
  void watchSignals();
  void tick();
  void tickFlush();
  void tickStatus();
  void finishIfDone();
  Instant now() const;
  std::ostream& out() { return *out_; }
  void say(const std::string& line);
  void reserveDescriptors(int max_connections);

  // wire and logs -> supervisors (coordinator_ingest.cpp)
  void ingest(std::vector<wire::CoordinatorEndpoint::Inbound>&& batch);
  // Stores `message` of job/attempt and feeds it to the job's supervisor.
  // Worker events (kind, detail) already in the store for one attempt: its log, read when the
  // attempt ends, repeats what the wire delivered, and each is stored once.
  using KnownEvents = std::multiset<std::pair<std::string, std::string>>;
  void deliver(JobSupervisor& job, int attempt, const wire::Message& message, double received_at,
               KnownEvents* known = nullptr);
  // Backfills the store from the attempt's metrics.jsonl, then lets the supervisor conclude.
  void readAttemptLog(JobSupervisor& job, int attempt, const std::string& run_dir);

  // supervisor actions -> store, launcher, wire (coordinator_actions.cpp)
  // Runs `input` (a supervisor call) and carries out its actions; an exception fails only
  // that job (onInternalError), never the coordinator.
  void handle(JobSupervisor& job, const std::function<Actions()>& input);
  void carryOut(JobSupervisor& job, const Actions& actions);
  void record(JobSupervisor& job, const Action& action);
  void effect(JobSupervisor& job, const Action& action);
  void startAttempt(JobSupervisor& job, const StartAttempt& start);
  void onAttemptExit(const std::string& job_id, int attempt, const ExitStatus& status);
  void schedule();
  void saveJob(JobSupervisor& job);
  int freeSlots() const;

  // `resume` binds the endpoint the workers know, waiting for its port if it is held.
  std::unique_ptr<wire::CoordinatorEndpoint> bindResumedEndpoint(
      const std::string& saved, const std::optional<wire::CurveKeyPair>& curve,
      const wire::ConnectionPolicy& connections);

  // after a coordinator restart (coordinator_resume.cpp)
  void resumeJobs();

  // jobs from a JobSource, a sweep's trials (coordinator_source.cpp). The source is only
  // called from handlers posted to the strand, never inside a loop over `jobs` (adding a job
  // there would invalidate it) nor while its own requests are carried out.
  std::unique_ptr<JobSupervisor> makeSupervisor(const JobSpec& spec);
  void addSourceJobsForResume();
  void offerSlotsToSource();
  void passValidationToSource(const ValidationRow& row);
  void passCheckpointToSource(JobSupervisor& job, const Action& action);
  void reportEndToSource(JobSupervisor& job);
  void carryRequests(const JobRequests& requests);
  void saveSourceState();
  // Posts `handler` to the strand and counts it until it ran: the experiment does not end
  // (finishIfDone) while the source has yet to hear something, such as a trial's failure.
  void postToSource(std::function<void()> handler);
  JobSource* source = nullptr;
  bool offer_posted = false;
  int source_posts_pending = 0;
  std::map<std::string, int> end_reported;  // job -> the attempt whose end the source heard

  // The wire (coordinator_wire_access.cpp): an attempt's route for commands and, with CURVE,
  // its own key pair in a 0600 file its worker is pointed to; open while the attempt may run,
  // reopened (the key read back from that file) on resume, closed once its processes are gone.
  void openAttemptWire(const std::string& job, int attempt, LaunchRequest& request);
  void reopenAttemptWire(const std::string& job, int attempt, const std::filesystem::path& run_dir);
  void closeAttemptWire(const std::string& job, int attempt);
  std::map<std::pair<std::string, int>, std::string> attempt_keys;  // -> client public key
  std::string curve_server_public;  // "" = coordinator.curve off

  ExperimentConfig experiment;
  CoordinatorOptions options;
  StateDir state;
  std::ostream* out_;
  FaultHook faults;
  boost::asio::io_context io;
  boost::asio::strand<boost::asio::io_context::executor_type> strand;
  std::unique_ptr<Store> store;
  std::unique_ptr<wire::CoordinatorEndpoint> endpoint;
  std::unique_ptr<OperatorDesk> desk;
  std::unique_ptr<RestHandler> rest;
  std::unique_ptr<HttpServer> http;
  std::unique_ptr<Launcher> launcher;
  std::string worker_endpoint;  // what workers dial: the bound wire endpoint, advertised
  boost::asio::signal_set signals;
  boost::asio::steady_timer tick_timer;
  boost::asio::steady_timer flush_timer;
  boost::asio::steady_timer status_timer;
  std::vector<std::unique_ptr<JobSupervisor>> jobs;  // experiment order = queue order
  std::map<std::string, JobSupervisor*> by_id;
  std::map<std::string, uint64_t> saved_version;  // the row version last stored, per job
  bool resuming = false;  // inside resumeJobs(): nothing is scheduled until every job is restored
  bool interrupted = false;
  bool done = false;
  int exit_code = kCoordAllSucceeded;
};

double unixNow();

}  // namespace cog::coord
