// cogcoord entry point: parses flags, loads the experiment, runs the coordinator. Errors
// become one clear line and an exit code.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "common/error.hpp"
#include "coordinator/coordinator.hpp"
#include "coordinator/serve.hpp"
#include "coordinator/state_dir.hpp"
#include "coordinator/store/store.hpp"
#include "coordinator/sweep/saved_sweep.hpp"
#include "coordinator/sweep/sweep_job_source.hpp"

namespace {

// cogworker is installed beside cogcoord (build/bin).
std::string workerBesideThisBinary() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "cogworker";
  return (self.parent_path() / "cogworker").string();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace cog::coord;
  CLI::App app{"cogcoord: trains an experiment's models as concurrent jobs and keeps them healthy"};
  app.require_subcommand(1);

  std::string experiment_file;
  std::vector<std::string> overrides;
  std::string state_dir;
  std::string http;
  auto* run = app.add_subcommand("run", "Run an experiment (configs/demo.yaml, configs/phase1.yaml)");
  run->add_option("experiment", experiment_file, "Experiment YAML")->required()->check(CLI::ExistingFile);
  run->add_option("--set", overrides, "Override an experiment key: key.path=value (repeatable), e.g. jobs[0].ranks=2");
  run->add_option("--state-dir", state_dir, "Store, job run dirs and logs (default runs/<experiment name>)");
  run->add_option("--http", http, "REST listen address host:port (default from the experiment; 'off' = none)");
  bool http_public = false;
  const char* const public_help =
      "Allow a REST address other machines can reach (0.0.0.0, a LAN address); without it only loopback is served";
  run->add_flag("--http-public", http_public, public_help);
  std::string token_file;
  run->add_option("--token-file", token_file,
                  "File holding the token the REST API's acting routes require (default: STATE/api_token, "
                  "generated with mode 0600 when absent)");

  std::string sweep_file;
  std::vector<std::string> sweep_overrides;
  auto* sweep = app.add_subcommand("sweep", "Run a hyperparameter sweep: its trials as jobs (configs/sweeps/lr_tiny.yaml)");
  sweep->add_option("sweep", sweep_file, "Sweep YAML")->required()->check(CLI::ExistingFile);
  sweep->add_option("--set", sweep_overrides, "Override a sweep key: key.path=value (repeatable), e.g. budget.max_trials=4");
  sweep->add_option("--state-dir", state_dir, "Store, trial run dirs, best.yaml (default runs/<sweep name>)");
  sweep->add_option("--http", http, "REST listen address host:port (default from the sweep file; 'off' = none)");
  sweep->add_flag("--http-public", http_public, public_help);
  sweep->add_option("--token-file", token_file, "File holding the REST API token (default: STATE/api_token)");

  std::string resume_dir;
  auto* resume = app.add_subcommand("resume", "Continue an experiment after the coordinator stopped or was killed");
  resume->add_option("--state-dir", resume_dir, "The state dir of the earlier `cogcoord run`")->required()->check(CLI::ExistingDirectory);
  resume->add_option("--http", http, "REST listen address (default: the one used before)");
  resume->add_option("--token-file", token_file, "File holding the REST API token (default: STATE/api_token)");
  resume->add_flag("--http-public", http_public, public_help);

  std::string serve_dir;
  std::string serve_http = "127.0.0.1:8080";
  auto* serve = app.add_subcommand("serve", "Serve a state dir's store (REST and dashboard) read-only, e.g. of a finished experiment");
  serve->add_option("--state-dir", serve_dir, "The state dir of a `cogcoord run`")->required()->check(CLI::ExistingDirectory);
  serve->add_option("--http", serve_http, "Listen address host:port (port 0 = any free one)")->capture_default_str();
  serve->add_flag("--http-public", http_public, public_help);

  CLI11_PARSE(app, argc, argv);
  // A worker or HTTP client that hangs up must not kill the coordinator with SIGPIPE: the
  // write fails with EPIPE instead, which the socket layers handle.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    if (*serve) return serveStateDir(serve_dir, serve_http, http_public, std::cout, cog::coord::sweep::savedSweepViews);
    CoordinatorOptions options;
    // Test-only crash points (coordinator/fault_hook.hpp), read once here.
    if (const char* fault = std::getenv("COG_FAULT_AT")) options.fault_at = fault;
    options.default_worker = workerBesideThisBinary();
    options.http_override = http;
    options.http_public = http_public;
    options.token_file = token_file;
    ExperimentConfig experiment;
    std::unique_ptr<cog::coord::sweep::SweepJobSource> sweep_source;
    if (*sweep) {
      auto config = cog::coord::sweep::loadSweepConfig(sweep_file, sweep_overrides);
      experiment = cog::coord::sweep::sweepExperiment(config);
      sweep_source = std::make_unique<cog::coord::sweep::SweepJobSource>(std::move(config));
      options.experiment_file = std::filesystem::absolute(sweep_file).string();
      options.state_dir = state_dir.empty() ? std::filesystem::path("runs") / experiment.name : std::filesystem::path(state_dir);
      if (std::filesystem::exists(StateDir{options.state_dir}.database())) {
        throw cog::ConfigError(options.state_dir.string() + " already holds an experiment (coord.db): use another --state-dir");
      }
    } else if (*run) {
      experiment = loadExperimentConfig(experiment_file, overrides);
      options.experiment_file = std::filesystem::absolute(experiment_file).string();
      options.state_dir = state_dir.empty() ? std::filesystem::path("runs") / experiment.name : std::filesystem::path(state_dir);
      if (std::filesystem::exists(StateDir{options.state_dir}.database())) {
        throw cog::ConfigError(options.state_dir.string() + " already holds an experiment (coord.db): use `cogcoord resume --state-dir " +
                               options.state_dir.string() + "`, or another --state-dir");
      }
    } else {
      options.resume = true;
      options.state_dir = resume_dir;
      const auto endpoints = readEndpoints(StateDir{options.state_dir});
      Store store(StateDir{options.state_dir}.database());
      const auto experiments = store.experiments();
      if (experiments.empty()) throw cog::ConfigError(resume_dir + ": the store holds no experiment");
      const auto& stored = experiments.front();
      options.experiment_file = endpoints.experiment_file;
      // A sweep: the same trials, rungs and random stream, from its saved state.
      sweep_source = cog::coord::sweep::loadSavedSweep(StateDir{options.state_dir}, store);
      if (sweep_source) {
        experiment = cog::coord::sweep::sweepExperiment(sweep_source->driver().config());
      } else {
        // The stored effective YAML, so `resume` needs neither the file nor the --set flags.
        const std::string base_dir = std::filesystem::path(stored.config_path).parent_path().string();
        experiment = parseExperimentConfig(stored.config_yaml, stored.config_path, base_dir);
      }
    }
    Coordinator coordinator(std::move(experiment), options, sweep_source.get());
    return coordinator.run();
  } catch (const cog::ConfigError& e) {
    std::cerr << "cogcoord: config error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "cogcoord: error: " << e.what() << "\n";
    return 1;
  }
}
