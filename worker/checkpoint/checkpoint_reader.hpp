#pragma once
// Opening a committed checkpoint directory: manifest checks, then size and CRC32 of
// every listed file, so a reader never hands out a torn or corrupted checkpoint.
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "worker/checkpoint/manifest.hpp"

namespace cog::checkpoint {

enum class Verification {
  kSizes,              // cheap: every listed file exists with the recorded size
  kSizesAndChecksums,  // also reads every byte and compares CRC32
};

// Throws CheckpointError naming the directory, the file, and expected vs actual size or
// CRC32 for the first file that does not match the manifest.
void verifyFiles(const std::filesystem::path& directory, const Manifest& manifest,
                 Verification verification);

// Holds the verified manifest; file contents are read on demand. The checkpoint must not
// be overwritten while a reader uses it (the trainer reads before it writes again).
class CheckpointReader {
 public:
  // Opens ROOT/NAME. Throws CheckpointError naming the path when it is missing, has no
  // manifest, a manifest of another format or unknown version, or a file that fails
  // verification.
  CheckpointReader(const std::filesystem::path& root, const std::string& name,
                   Verification verification = Verification::kSizesAndChecksums);
  explicit CheckpointReader(std::filesystem::path directory,
                            Verification verification = Verification::kSizesAndChecksums);

  const std::filesystem::path& directory() const { return directory_; }
  const Manifest& manifest() const { return manifest_; }
  const nlohmann::json& meta() const { return manifest_.meta; }
  std::vector<std::string> fileNames() const;
  bool hasFile(const std::string& file) const;

  // Absolute path of a listed file (for loaders that open paths themselves, e.g.
  // torch::load). Throws CheckpointError if the manifest does not list it.
  std::filesystem::path filePath(const std::string& file) const;

  // The file's bytes, checked again against the manifest's size and CRC32 as they are
  // read, so a file changed after opening is still caught.
  std::vector<uint8_t> readBytes(const std::string& file) const;

 private:
  const FileRecord& record(const std::string& file) const;

  std::filesystem::path directory_;
  Manifest manifest_;
};

}  // namespace cog::checkpoint
