#pragma once
// The trials of one search, as a searcher sees them: hyperparameters, status, the latest
// reported resource and metric, the newest checkpoint and whether the health policies found
// it healthy. Every searcher keeps one (the shared bookkeeping); the decisions that change a
// trial's status are the searcher's own.
//
// Trial ids are 0, 1, 2, ... in start order; they index the table.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/sweep/search_space.hpp"

namespace cog::coord::sweep {

using TrialId = int;

enum class TrialStatus {
  running,     // a job trains it now (or is about to: started, promoted, exploited)
  paused,      // ASHA promote mode: stopped at a rung with a checkpoint, may be promoted later
  completed,   // trained to the end (the job finished)
  stopped,     // the searcher stopped it (ASHA stop mode: not in its rung's top 1/eta)
  failed,      // the job failed for good (crashes and relaunches used up)
  non_finite,  // reported a NaN or infinite metric: stopped, never ranked
};
const char* toString(TrialStatus status);
std::optional<TrialStatus> trialStatusFromString(const std::string& text);
// running or paused: the trial may still train.
bool isLive(TrialStatus status);

struct TrialRecord {
  TrialId id = 0;
  Point point;  // hyperparameters (PBT changes them on exploit)
  TrialStatus status = TrialStatus::running;
  int64_t resource = 0;              // latest reported resource (epochs or steps trained)
  std::optional<double> metric;      // latest finite metric, as reported (not sign-flipped)
  int64_t checkpoint_resource = -1;  // newest checkpoint saved; -1 = none yet
  bool checkpoint_healthy = false;   // ... and whether its validation was healthy
  int rung = -1;                     // ASHA: the highest rung it has a result in; -1 none
  TrialId exploited_from = -1;       // PBT: the trial whose checkpoint it copied last
  int exploits = 0;                  // PBT: how many times it copied another's checkpoint
};

class TrialTable {
 public:
  TrialId add(Point point);
  TrialRecord& at(TrialId id);  // throws InvariantError naming an id never started
  const TrialRecord& at(TrialId id) const;
  size_t size() const { return records_.size(); }
  const std::vector<TrialRecord>& records() const { return records_; }
  size_t count(TrialStatus status) const;

  nlohmann::json toJson() const;
  // Replaces the table; every point is checked against `space`. Throws DataError.
  void fromJson(const nlohmann::json& json, const SearchSpace& space);

 private:
  std::vector<TrialRecord> records_;
};

}  // namespace cog::coord::sweep
