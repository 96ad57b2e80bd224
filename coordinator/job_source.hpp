#pragma once
// Jobs that appear while the coordinator runs, and decisions about them taken above the
// supervisors: a sweep's trials (coordinator/sweep/sweep_job_source.hpp). The coordinator
// offers it the free slots, passes on what its jobs report, and carries out its requests
// with the inputs an operator's REST calls use (stop, relaunch), so every such decision is
// an event in the store with its reason. Without a job source (`cogcoord run`) none of this
// is called.
//
// Re-entrancy: the coordinator never calls the source while it carries out the source's own
// requests; it offers the free slots again once they are carried out.
#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "coordinator/core/job_supervisor.hpp"
#include "coordinator/state_dir.hpp"

namespace cog::coord {

// A new job, queued like an experiment's own.
struct AddJobRequest {
  JobSpec spec;
  std::string reason;
};
// Stop the job (it checkpoints); a stopped job can be relaunched later.
struct StopJobRequest {
  std::string job;
  std::string reason;
};
// Relaunch the job (stopping it first if it runs) from `checkpoint`, a path: one of its own
// checkpoints or another job's; `overrides` are added to its own (later keys win).
struct RelaunchJobRequest {
  std::string job;
  std::string checkpoint;
  std::vector<std::string> overrides;
  std::string reason;
};
using JobRequest = std::variant<AddJobRequest, StopJobRequest, RelaunchJobRequest>;
using JobRequests = std::vector<JobRequest>;

class JobSource {
 public:
  virtual ~JobSource() = default;
  virtual std::string name() const = 0;  // "sweep": who asks, in the events

  virtual JobRequests onFreeSlots(int free_slots) = 0;
  virtual JobRequests onValidation(const ValidationRow& row) = 0;
  // Stored checkpoints, and later ones condemned by a divergence (healthy false).
  virtual void onCheckpoint(const CheckpointRow& row) = 0;
  // A job reached an end state (reported once per attempt).
  virtual void onJobEnded(const std::string& job, JobState state) = 0;
  // After `resume` restored every job: requests that bring the jobs back in line with the
  // source's saved state (a job it had stopped, whose stop the kill interrupted, is being
  // restarted by its supervisor: stop it again).
  virtual JobRequests onResumed(const std::vector<JobRow>& jobs) = 0;
  // Nothing runs or will be started: the coordinator may end.
  virtual bool finished() const = 0;

  // Saved into the state dir (atomically) after every call, before its requests are carried
  // out; `cogcoord resume` restores the source from it.
  virtual std::string stateJson() const = 0;
  // Every job it has added, as it would add it now: `resume` rebuilds their supervisors
  // (the store has their rows, not their specs).
  virtual std::vector<JobSpec> jobSpecs() const = 0;
  // Its view for the REST API (/api/v1/sweeps/{id}): a JSON object with "id" and "models".
  virtual std::string restView() const = 0;
  // Lines printed under the job table every coordinator.status_every_s (the sweep's trials
  // with their hyperparameters, rung and metric).
  virtual std::string statusTable() const = 0;
  // At the end: writes its result files into `state_dir` and returns the summary lines.
  virtual std::string finish(const std::filesystem::path& state_dir) = 0;
};

// Where a JobSource's state is saved: STATE/<source name>_state.json (sweep_state.json).
std::filesystem::path sourceStateFile(const StateDir& state, const std::string& source_name);

}  // namespace cog::coord
