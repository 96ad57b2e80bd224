#pragma once
// cogcoord's engine: schedules an experiment's jobs onto the slot pool, launches attempts,
// ingests what rank 0 of each attempt reports, stores it, serves it over REST, and acts on
// the health policies (early stop, divergence rollback, crash restart). One Boost.Asio
// io_context on the calling thread drives everything; the core state lives on one strand.
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <string>

#include "coordinator/experiment/experiment_config.hpp"

namespace cog::coord {

struct CoordinatorOptions {
  std::filesystem::path state_dir;
  std::string experiment_file;  // absolute; recorded for resume
  bool resume = false;          // adopt the store's jobs: relaunch what was running from its newest checkpoint
  bool http_public = false;     // --http-public: allow a non-loopback REST address
  std::string http_override;    // --http (wins over coordinator.http); "off" disables
  std::string default_worker;   // cogworker beside cogcoord, when launcher.worker is empty
  std::ostream* out = nullptr;  // progress lines and tables (stdout when null)
  std::filesystem::path token_file;  // --token-file: the API token; "" = STATE/api_token (made if absent)
  std::string fault_at;         // COG_FAULT_AT (tests only; fault_hook.hpp); "" = none
};

// Process exit codes of `cogcoord run|resume`.
inline constexpr int kCoordAllSucceeded = 0;   // every job finished or was early-stopped
inline constexpr int kCoordSomeFailed = 1;     // a job failed (restart/relaunch limits spent)
inline constexpr int kCoordInterrupted = 130;  // Ctrl-C / SIGTERM: workers stopped; `resume` continues

class JobSource;  // job_source.hpp

class Coordinator {
 public:
  // `source` (not owned; may be null): jobs added while it runs, a sweep's trials.
  Coordinator(ExperimentConfig experiment, CoordinatorOptions options, JobSource* source = nullptr);
  ~Coordinator();
  // Runs until every job has ended or a signal stops the experiment.
  int run();

  // Defined in coordinator_impl.hpp, private to coordinator/*.cpp.
  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace cog::coord
