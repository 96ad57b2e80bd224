#pragma once
// Which of a job's checkpoints may be deleted so that a long run does not fill the disk
// (`checkpoint.keep` of a job in the experiment file). Pure: the coordinator deletes what
// this returns, after the newer checkpoint that made it surplus was reported durable.
#include <cstdint>
#include <string>
#include <vector>

#include "coordinator/policy/policy_config.hpp"
#include "coordinator/store/records.hpp"

namespace cog::coord {

// The checkpoints of `checkpoints` (every attempt of one job) to delete. Never deleted:
//  - a worker's named ones: "best" and "final" of every attempt;
//  - the `keep.latest` newest and the `keep.best` lowest-val_loss healthy ones;
//  - every checkpoint the rollback rule (rollback.hpp) would choose for a divergence
//    detected from `earliest_divergence_step` on (the job's newest reported step: a verdict
//    is never about a step before it): the supervisor may still need it;
//  - the newest healthy one (a crash restart resumes from it) and each of `in_use` (the
//    start checkpoints of attempts that may still read them).
std::vector<CheckpointRow> surplusCheckpoints(const std::vector<CheckpointRow>& checkpoints,
                                              const std::vector<ValidationRow>& validations,
                                              const CheckpointKeep& keep, const DivergenceConfig& divergence,
                                              int64_t earliest_divergence_step,
                                              const std::vector<std::string>& in_use);

// "best" and "final" are the worker's own names; periodic ones are "epoch-NNNN", "step-N".
bool isNamedCheckpoint(const std::string& name);

}  // namespace cog::coord
