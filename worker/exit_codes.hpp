#pragma once
// Process-boundary mapping from error kinds to exit codes, so launchers and the coordinator
// can tell a bad config (do not retry) from a crash (retry from a checkpoint).
#include <exception>

#include "common/error.hpp"
#include "comms/wire/exit_codes.hpp"

namespace cog::worker {

// The codes themselves are the wire protocol's (the coordinator reads them).
using ExitCode = wire::WorkerExitCode;
using wire::kExitOk;
using wire::kExitFailure;
using wire::kExitConfig;
using wire::kExitData;
using wire::kExitCheckpoint;
using wire::kExitComms;
using wire::kExitInjectedFault;

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
