#pragma once
// Process-boundary mapping from error kinds to exit codes, so launchers and the coordinator
// can tell a bad config (do not retry) from a crash (retry from a checkpoint).
#include <exception>

#include "common/error.hpp"

namespace cog::worker {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,     // unexpected error or bug
  kExitConfig = 2,      // ConfigError: fix the configuration, retrying will not help
  kExitData = 3,        // DataError
  kExitCheckpoint = 4,  // CheckpointError
  kExitComms = 5,       // CommsError: a peer or the network failed
  kExitInjectedFault = 17,  // faults.exit_at_step fired (tests of crash handling)
};

inline int exitCodeFor(const std::exception& e) {
  if (dynamic_cast<const ConfigError*>(&e)) return kExitConfig;
  if (dynamic_cast<const DataError*>(&e)) return kExitData;
  if (dynamic_cast<const CheckpointError*>(&e)) return kExitCheckpoint;
  if (dynamic_cast<const CommsError*>(&e)) return kExitComms;
  return kExitFailure;
}

inline const char* errorKind(const std::exception& e) {
  if (dynamic_cast<const ConfigError*>(&e)) return "configuration error";
  if (dynamic_cast<const DataError*>(&e)) return "data error";
  if (dynamic_cast<const CheckpointError*>(&e)) return "checkpoint error";
  if (dynamic_cast<const CommsError*>(&e)) return "communication error";
  if (dynamic_cast<const InvariantError*>(&e)) return "internal error";
  return "error";
}

}  // namespace cog::worker
