#pragma once
// cogworker's exit codes: part of the worker <-> coordinator protocol, since the coordinator
// tells from them a bad configuration (do not retry) from a crash (retry from a checkpoint).
// Under mpirun, the attempt's code is that of the first rank that failed.
namespace cog::wire {

enum WorkerExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,         // unexpected error or bug
  kExitConfig = 2,          // ConfigError: fix the configuration, retrying will not help
  kExitData = 3,            // DataError
  kExitCheckpoint = 4,      // CheckpointError
  kExitComms = 5,           // CommsError: a peer or the network failed
  kExitInjectedFault = 17,  // faults.exit_at_step fired (tests of crash handling)
};

}  // namespace cog::wire
