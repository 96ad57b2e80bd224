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
#include <optional>
#include <string>

namespace cog::checkpoint {

inline constexpr const char* kManifestFileName = "manifest.json";

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
