#pragma once
// The batch script the Slurm launcher submits for one attempt: one Slurm job = one
// data-parallel world (`srun --mpi=pmix cogworker train ...`, R tasks), its environment
// written into the script (clusters that submit with --export=NONE still pass it), output
// appended to the attempt's log. Pure text generation, unit-tested.
#include <string>

#include "coordinator/experiment/experiment_config.hpp"
#include "coordinator/launch/launcher.hpp"

namespace cog::coord {

struct SlurmScriptOptions {
  std::string experiment;  // for the job name
  std::string worker;      // cogworker binary (must be reachable on the compute nodes)
  SlurmSection slurm;
};

// The script's text. Its job name is slurmJobName(experiment, job, attempt). It is never
// requeued by Slurm itself (--no-requeue): a time limit or a preemption ends the attempt and
// the coordinator starts the next one from the newest checkpoint.
std::string slurmBatchScript(const SlurmScriptOptions& options, const LaunchRequest& request);

// A word quoted for bash: 'it'\''s'.
std::string shellQuote(const std::string& word);

}  // namespace cog::coord
