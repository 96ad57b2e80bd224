#pragma once
// Enumerating the checkpoints under a root, e.g. to pick the newest healthy one for a
// rollback or a restart.
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "worker/checkpoint/checkpoint_reader.hpp"

namespace cog::checkpoint {

struct CheckpointInfo {
  std::string name;
  std::filesystem::path directory;
  int64_t created_unix = 0;
  nlohmann::json meta;
};

// An entry under the root that is not a usable checkpoint, and why.
struct BrokenCheckpoint {
  std::string name;
  std::string reason;  // the CheckpointError message
};

struct CheckpointListing {
  // Oldest first: by meta["step"] when it is an integer (entries without one first), then
  // by created_unix, then by name.
  std::vector<CheckpointInfo> checkpoints;
  std::vector<BrokenCheckpoint> broken;
};

// Lists ROOT's entries. Hidden entries (temporaries ".tmp-…" / ".old-…") are skipped;
// anything else that fails to open with `verification` is listed in `broken`. A missing
// root lists nothing (no checkpoint written yet); a root that is not a directory is a
// CheckpointError.
CheckpointListing listCheckpoints(const std::filesystem::path& root,
                                  Verification verification = Verification::kSizesAndChecksums);

// Removes all but the newest `keep_last` periodic checkpoints (epoch-NNNN, see
// checkpoint_names.hpp) under ROOT; 0 keeps all. Other names are never touched.
void prunePeriodicCheckpoints(const std::filesystem::path& root, int64_t keep_last);

}  // namespace cog::checkpoint
