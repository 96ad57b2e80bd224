#pragma once
// Runs a program to completion with a time limit and returns what it printed: the Slurm
// launcher's way of calling sbatch, squeue, scontrol and scancel. Blocking; call it off the
// coordinator's executor where it may be slow (squeue against a busy slurmctld).
#include <chrono>
#include <string>
#include <vector>

namespace cog::coord {

struct CommandResult {
  int exit_code = 0;  // -1: killed (by the time limit or a signal), 127: could not be started
  bool timed_out = false;
  std::string out;    // stdout
  std::string err;    // stderr
  bool ok() const { return exit_code == 0 && !timed_out; }
  // "squeue: exit code 1: slurm_load_jobs error: ..." for messages.
  std::string describe(const std::string& program) const;
};

// stdin is /dev/null; the environment is the coordinator's. Never throws for the program's
// failure (see exit_code); throws cog::Error when no process can be created.
CommandResult runCommand(const std::vector<std::string>& argv, std::chrono::milliseconds limit);

}  // namespace cog::coord
