#pragma once
// The names used inside a checkpoint root. A committed checkpoint is ROOT/NAME; the
// in-progress and set-aside copies carry a leading dot so they can never be mistaken for
// a checkpoint and readers skip them:
//   .tmp-NAME-<pid>-<n>   a writer's staging directory (complete only once it holds
//                         manifest.json and the writer has renamed it to NAME)
//   .old-NAME-<pid>-<n>   the previous NAME, renamed aside during an overwrite and
//                         removed once the new NAME is durable
// <pid> is the writing process and <n> a per-root sequence number that makes the name
// unique (see CheckpointWriter).
#include <cstdint>
#include <optional>
#include <string>

namespace cog::checkpoint {

inline constexpr const char* kManifestFileName = "manifest.json";

// The trainer's checkpoint names (the coordinator's rollback, retention and sweeps read them):
//   best            after the validation with the lowest val loss so far
//   final           as a run ends: completed, max_steps, or stopped by a signal or command
//   epoch-NNNN      periodic, after epoch N (checkpoint.every_epochs), zero-padded so names
//                   sort by epoch
//   step-NNNNNNNN   asked for by the coordinator at global step N
inline constexpr const char* kBestCheckpointName = "best";
inline constexpr const char* kFinalCheckpointName = "final";
std::string periodicCheckpointName(int64_t epochs_done);
std::string requestedCheckpointName(int64_t global_step);
// The epochs of a periodic name ("epoch-0003" -> 3); nullopt for any other name.
std::optional<int64_t> periodicCheckpointEpochs(const std::string& name);

enum class TemporaryKind { kStaging, kSetAside };

struct TemporaryName {
  TemporaryKind kind;
  std::string checkpoint;  // NAME
  long pid = 0;
  long sequence = 0;
};

// Throws CheckpointError unless `name` is usable as a checkpoint directory name: one
// non-empty path component of at most 200 characters, not starting with '.', without
// '/' or NUL.
void validateCheckpointName(const std::string& name);

std::string temporaryName(const TemporaryName& parts);

// Parses a ".tmp-…" or ".old-…" directory name; nullopt for anything else.
std::optional<TemporaryName> parseTemporaryName(const std::string& entry);

}  // namespace cog::checkpoint
