#pragma once
// A sweep as the coordinator's JobSource (coordinator/job_source.hpp): the SweepDriver's
// commands become job requests, and the end of the sweep prints the ranking and writes the
// best trial's config. `cogcoord sweep FILE` runs a Coordinator with one of these and the
// experiment sweepExperiment() makes: the sweep's pool, launcher, coordinator endpoints and
// policies, and no jobs of its own.
#include "coordinator/job_source.hpp"
#include "coordinator/sweep/sweep_driver.hpp"

namespace cog::coord::sweep {

ExperimentConfig sweepExperiment(const SweepConfig& config);

class SweepJobSource final : public JobSource {
 public:
  explicit SweepJobSource(SweepConfig config);

  std::string name() const override { return "sweep"; }
  JobRequests onFreeSlots(int free_slots) override;
  JobRequests onValidation(const ValidationRow& row) override;
  void onCheckpoint(const CheckpointRow& row) override { driver_.onCheckpoint(row); }
  void onJobEnded(const std::string& job, JobState state) override {
    driver_.onJobEnded(job, state);
  }
  JobRequests onResumed(const std::vector<JobRow>& jobs) override;
  bool finished() const override { return driver_.finished(); }
  std::string stateJson() const override { return driver_.saveState().dump(); }
  std::vector<JobSpec> jobSpecs() const override { return driver_.trialJobSpecs(); }
  // {"id", "searcher", "metric", "mode", "unit", "max_trials", "models": [{"name", "config",
  // "trials": [{"trial", "job", "status", "resource", "rung", "metric", "hyperparameters",
  // "exploited_from"}] best first, "rungs": [{"milestone", "results", "promoted"}] (ASHA),
  // "best": {"job", "metric", "resource", "set"} or null}]}
  std::string restView() const override;
  // Per model, best first: trial job, status, resource, ASHA rung, metric, hyperparameters.
  std::string statusTable() const override;
  // `cogcoord resume`: the state stateJson() saved. Throws DataError.
  void restoreState(const std::string& json);
  // Prints each model's ranking (top 5) and best --set line; writes best.yaml (one model) or
  // best-<model>.yaml into `state_dir`.
  std::string finish(const std::filesystem::path& state_dir) override;

  const SweepDriver& driver() const { return driver_; }

 private:
  SweepDriver driver_;
};

}  // namespace cog::coord::sweep
