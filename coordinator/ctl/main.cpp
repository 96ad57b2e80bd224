// cogctl: the operator's command line for a running coordinator (its REST API). Tables for
// people, --json for scripts, and exit codes that say what went wrong (ctl_error.hpp).
#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "coordinator/ctl/commands.hpp"
#include "coordinator/ctl/ctl_error.hpp"
#include "coordinator/ctl/ctl_target.hpp"

namespace {

// "loss,grad_norm" and repeated --name flags alike.
std::vector<std::string> splitCommas(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (const std::string& item : items) {
    size_t start = 0;
    while (start <= item.size()) {
      size_t end = item.find(',', start);
      if (end == std::string::npos) end = item.size();
      if (end > start) out.push_back(item.substr(start, end - start));
      start = end + 1;
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace cog::ctl;
  CLI::App app{"cogctl: watch and act on a running cogcoord through its REST API"};
  app.footer(std::string("The coordinator is found from --url/--token, else --state-dir (its coordinator.json and api_token), "
                         "else COG_URL/COG_TOKEN or COG_STATE_DIR, else http://127.0.0.1:8080.\n") +
             kExitCodeHelp);
  app.require_subcommand(1);
  app.fallthrough();  // the connection flags may come after the subcommand too
  TargetFlags flags;
  bool json = false;
  app.add_option("--url", flags.url, "The coordinator's REST address, http://HOST:PORT");
  app.add_option("--token", flags.token, "The token the acting routes need (the coordinator's STATE/api_token)");
  app.add_option("--state-dir", flags.state_dir, "The coordinator's state dir: its address and token are read from there");
  app.add_flag("--json", json, "Print the coordinator's JSON instead of tables (one object per line for events)");

  auto* status = app.add_subcommand("status", "Experiments and the job table");
  auto* jobs = app.add_subcommand("jobs", "The job table: state, attempt, step, loss, best val loss, exact match, tokens/s");
  std::string job;
  auto* job_cmd = app.add_subcommand("job", "One job: its fields, attempts, decisions and checkpoints");
  job_cmd->add_option("JOB", job, "Job name")->required();

  EventsQuery events_query;
  auto* events = app.add_subcommand("events", "Decisions and worker events, oldest first");
  events->add_option("--job", events_query.job, "Only this job's events");
  events->add_flag("-f,--follow", events_query.follow, "Keep printing new events until every job (or --job) has ended");

  std::string sweep_id;
  auto* sweeps = app.add_subcommand("sweeps", "The running sweeps; with an ID its trials (hyperparameters, rung, metric), rungs and best");
  sweeps->add_option("SWEEP", sweep_id, "Sweep name (its `name:`), e.g. lr_tiny");

  MetricsQuery metrics_query;
  std::vector<std::string> names;
  auto* metrics = app.add_subcommand("metrics", "A job's metrics: a table of the usual few, --name to choose, --csv for all");
  metrics->add_option("JOB", metrics_query.job, "Job name")->required();
  metrics->add_option("--name", names, "Scalar name(s) to show, e.g. --name loss,grad_norm (repeatable)");
  metrics->add_flag("--validations", metrics_query.validations, "The validation scalars (val_loss, exact_match, ...) instead");
  metrics->add_flag("--csv", metrics_query.csv,
                    "CSV with a column per scalar (every one unless --name), e.g. > reasoning.csv for a spreadsheet or pandas");

  LogsQuery logs_query;
  auto* logs = app.add_subcommand("logs", "A job's worker output (every rank together, or --rank)");
  logs->add_option("JOB", logs_query.job, "Job name")->required();
  logs->add_option("--attempt", logs_query.attempt, "Attempt number (default: the newest)")->check(CLI::PositiveNumber);
  logs->add_option("--rank", logs_query.rank, "Only this rank's output (attempts with more than one rank)")->check(CLI::NonNegativeNumber);
  logs->add_flag("-f,--follow", logs_query.follow, "Keep printing as the log grows, through new attempts, until the job ends");

  bool experiment = false;
  std::string stop_id;
  auto* stop = app.add_subcommand("stop", "Stop a job (its workers checkpoint and exit), or with --experiment every job");
  stop->add_option("ID", stop_id, "Job name (experiment name with --experiment)")->required();
  stop->add_flag("--experiment", experiment, "ID names an experiment: stop all of its jobs");

  auto* checkpoint = app.add_subcommand("checkpoint", "Ask a running job to save a checkpoint at its next step");
  checkpoint->add_option("JOB", job, "Job name")->required();

  std::vector<std::string> sets;
  std::string from_checkpoint;
  auto* relaunch = app.add_subcommand("relaunch", "Start a new attempt of a job with other settings (running or ended)");
  relaunch->add_option("JOB", job, "Job name")->required();
  relaunch->add_option("--set", sets, "Worker config override key=value (repeatable), e.g. --set optim.muon_lr=0.005");
  relaunch->add_option("--checkpoint", from_checkpoint,
                       "Checkpoint to start from: a name from `cogctl job` (best, epoch-3, ...); default: the job's usual choice");

  CLI11_PARSE(app, argc, argv);
  std::signal(SIGPIPE, SIG_IGN);  // `cogctl events -f | head` ends with EPIPE, not a signal
  try {
    const RestClient client(resolveTarget(flags));
    const Output o{std::cout, json};
    if (*status) return showStatus(client, o);
    if (*jobs) return showJobs(client, o);
    if (*job_cmd) return showJob(client, job, o);
    if (*events) return showEvents(client, events_query, o);
    if (*metrics) {
      metrics_query.names = splitCommas(names);
      return showMetrics(client, metrics_query, o);
    }
    if (*logs) return showLogs(client, logs_query, o);
    if (*sweeps) return showSweeps(client, sweep_id, o);
    if (*stop) return experiment ? stopExperiment(client, stop_id, o) : stopJob(client, stop_id, o);
    if (*checkpoint) return checkpointJob(client, job, o);
    if (*relaunch) return relaunchJob(client, job, sets, from_checkpoint, o);
  } catch (const CtlError& e) {
    std::cerr << "cogctl: " << e.what() << "\n";
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::cerr << "cogctl: error: " << e.what() << "\n";
    return static_cast<int>(ExitCode::kFailure);
  }
  return static_cast<int>(ExitCode::kUsage);
}
