#pragma once
// An experiment file (configs/demo.yaml, configs/phase1.yaml): the jobs to train together,
// the slot pool they share, the launcher, the health policies and the coordinator's own
// endpoints. Parsed once, validated, errors naming file, key path and value.
#include <string>
#include <vector>

#include "comms/wire/connection_gate.hpp"
#include "coordinator/policy/policy_config.hpp"

namespace cog::coord {

struct JobSpec {
  std::string name;                    // unique; the job id in the store and the REST API
  std::string config;                  // cogworker config (resolved against the experiment's folder)
  std::vector<std::string> overrides;  // extra --set key=value for every attempt
  int ranks = 1;                       // data-parallel ranks (mpirun -np) per attempt
  int slots = 1;                       // slots of the pool the job occupies while it runs
  CheckpointKeep checkpoint_keep;      // `checkpoint: {keep: {best, latest}}`
};

// launcher.slurm: how each attempt becomes one `sbatch` job (coordinator/launch/slurm_*).
struct SlurmSection {
  std::string partition;               // "" = the cluster's default partition
  std::string account;
  std::string time;                    // --time (e.g. "01:00:00"); "" = the partition's default
  int gpus_per_task = 0;               // 0 = no --gpus-per-task
  int cpus_per_task = 1;               // also each rank's OMP threads
  std::vector<std::string> extra_args; // more sbatch options, e.g. ["--qos=short"]
  std::string mpi = "pmix";            // srun --mpi=...: Debian's Open MPI speaks PMIx only
  double poll_min_s = 1;               // squeue at most this often
  double poll_max_s = 30;              // ... backing off to this when nothing changes
};

struct LauncherSection {
  std::string kind = "local";          // local | slurm
  std::string worker;                  // cogworker binary; "" = the one beside cogcoord
  std::string mpirun = "mpirun";
  std::vector<std::string> mpirun_args = {"--oversubscribe", "--bind-to", "none"};
  int threads_per_rank = 1;            // OMP/LibTorch threads each rank gets (OMP_NUM_THREADS)
  double stop_grace_s = 20;            // SIGTERM -> this long -> SIGKILL of the process group
  SlurmSection slurm;
};

struct CoordinatorSection {
  std::string wire = "tcp://127.0.0.1:0";  // ROUTER endpoint; port 0 = pick one (kept for resume)
  // The host workers dial (replaces the wire endpoint's host in what they are told): for
  // workers on other nodes when `wire` binds every interface (tcp://*:5555 or 0.0.0.0).
  // "" = the bound host, or this machine's hostname when the wire binds every interface.
  std::string advertise;
  std::string http = "127.0.0.1:0";        // REST listen address; "" = no HTTP server
  double status_every_s = 5;               // terminal table period
  int flush_ms = 50;                       // store commit period
  bool curve = true;                       // CURVE-authenticated wire (off: loopback debugging only)
  // Wire connections held at once (handshaking or established); handshakes beyond are refused
  // and counted (/healthz, /metrics). One per running attempt is needed (rank 0 dials in).
  int max_connections = wire::kDefaultMaxConnections;
};

struct ExperimentConfig {
  std::string source;   // file, for messages
  std::string yaml;     // effective YAML (file + --set), stored so `resume` needs no file
  std::string name;
  int slots = 1;
  std::vector<JobSpec> jobs;
  LauncherSection launcher;
  CoordinatorSection coordinator;
  PolicyConfig policies;
};

// Reads `path`, applies `overrides` (key.path=value, e.g. jobs[0].ranks=2), validates.
ExperimentConfig loadExperimentConfig(const std::string& path, const std::vector<std::string>& overrides = {});
// From stored YAML text; relative job configs resolve against `base_dir`.
ExperimentConfig parseExperimentConfig(const std::string& yaml_text, const std::string& source,
                                       const std::string& base_dir);

// The sections a sweep file shares with an experiment file (coordinator/sweep/sweep_config.cpp):
// its trials run through the same launcher, coordinator endpoints and health policies.
void parseLauncherSection(YamlFields section, LauncherSection& launcher);
// `slots`: the most attempts that run at once, which coordinator.max_connections must allow.
void parseCoordinatorSection(YamlFields section, CoordinatorSection& coordinator, int slots);
// A worker config path as written under `key` of `f`: beside that file first, then from the
// working directory; returned absolute so attempts do not depend on where cogcoord was
// started. A file that is not there (or cannot be stat'ed) is a ConfigError naming the key.
std::string requireWorkerConfig(const YamlFields& f, const std::string& key, const std::string& path,
                                const std::string& base_dir);
// A job or sweep name: it names a folder of the state dir and a URL path segment.
bool isSafeName(const std::string& name);
// `checkpoint: {keep: {best, latest}}` of a job, or of a sweep's trials.
void parseCheckpointSection(YamlFields checkpoint, CheckpointKeep& keep);

}  // namespace cog::coord
