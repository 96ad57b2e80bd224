#pragma once
// manifest.json: the one place a checkpoint directory's contents are described and
// versioned. Layout (version 1):
//   {"format": "cog-checkpoint", "version": 1, "name": "epoch-0003",
//    "created_unix": 1700000000,
//    "files": {"model.safetensors": {"bytes": 123, "crc32": "89abcdef"}, ...},
//    "meta": {...whatever the trainer stores: epoch, step, val_loss, healthy...}}
// A directory without a manifest is never a checkpoint: the writer adds it last.
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace cog::checkpoint {

inline constexpr const char* kManifestFormat = "cog-checkpoint";
// Bump when the layout changes incompatibly; readers reject versions they do not know.
inline constexpr int kManifestVersion = 1;

struct FileRecord {
  uint64_t bytes = 0;
  uint32_t crc32 = 0;
};

struct Manifest {
  std::string name;
  int64_t created_unix = 0;
  // Keyed by path relative to the checkpoint directory, '/'-separated.
  std::map<std::string, FileRecord> files;
  nlohmann::json meta = nlohmann::json::object();
};

std::string serializeManifest(const Manifest& manifest);

// Parses manifest text read from `source`; every error is a CheckpointError naming
// `source` and the offending key (wrong format, unknown version, bad types, unsafe paths).
Manifest parseManifest(const std::string& text, const std::filesystem::path& source);

// Reads and parses DIRECTORY/manifest.json; a missing file is a CheckpointError saying
// the directory is not a complete checkpoint.
Manifest loadManifest(const std::filesystem::path& directory);

// Throws CheckpointError unless `file` is a safe relative path inside a checkpoint:
// '/'-separated, no empty, "." or ".." components, not absolute, not the manifest itself.
void validateFileName(const std::string& file);

}  // namespace cog::checkpoint
