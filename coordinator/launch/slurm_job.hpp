#pragma once
// Slurm's words, read into plain values: what `sbatch --parsable`, `squeue` and `scontrol show
// job -o` print, and what each job state means for an attempt. Pure functions (no processes),
// unit-tested with the text Slurm 22.05 prints (tests/coordinator/launch/slurm_job_test.cpp).
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "coordinator/launch/launcher.hpp"

namespace cog::coord {

// Where a Slurm job is in its life, as far as an attempt is concerned.
enum class SlurmPhase {
  kQueued,   // PENDING, REQUEUED, CONFIGURING...: not running yet (reason says why)
  kRunning,  // RUNNING, COMPLETING, SUSPENDED, SIGNALING...: its processes may exist
  kEnded,    // COMPLETED, FAILED, CANCELLED, TIMEOUT, PREEMPTED, OUT_OF_MEMORY, ...
};

struct SlurmJobInfo {
  int64_t id = 0;
  std::string state;   // JobState as Slurm prints it ("PENDING", "TIMEOUT")
  std::string reason;  // "Resources", "Priority", "None"
  std::string exit_code;  // "E:S" from scontrol (exit code : signal); "" from squeue
  SlurmPhase phase() const;
};

SlurmPhase slurmPhase(const std::string& state);

// `sbatch --parsable` prints "ID" or "ID;CLUSTER". Throws cog::Error on anything else.
int64_t parseSbatchId(const std::string& output);

// The format string squeueJobs() below reads: id, state, reason.
inline constexpr const char* kSqueueFormat = "%i|%T|%r";

// Lines of `squeue --noheader --format=%i|%T|%r`, by job id. Array and heterogeneous job
// ids ("12_3", "12+1") are not Cog's and are skipped, as are malformed lines.
std::map<int64_t, SlurmJobInfo> parseSqueue(const std::string& output);

// One line of `scontrol show job -o ID` (Key=Value pairs). nullopt when it names no job
// ("Invalid job id specified": it aged out of slurmctld's memory).
std::optional<SlurmJobInfo> parseScontrolJob(const std::string& output);

// How an ended job's attempt ended, from its state and "E:S" exit code. A job that failed
// but says 0:0 still reads as a failure (exit code 1).
ExitStatus slurmExitStatus(const SlurmJobInfo& job);

// "cog-<experiment>-<job>-a<attempt>", with characters outside [A-Za-z0-9_.-] as '_'.
std::string slurmJobName(const std::string& experiment, const std::string& job, int attempt);

}  // namespace cog::coord
