#include "worker/checkpoint/checkpoint_reader.hpp"

#include <system_error>

#include "common/error.hpp"
#include "worker/checkpoint/durable_io.hpp"

namespace cog::checkpoint {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fileMismatch(const fs::path& directory, const std::string& file,
                               const std::string& what) {
  throw CheckpointError("checkpoint " + directory.string() + ": file " + file + " " + what);
}

void checkDigest(const fs::path& directory, const std::string& file, const FileRecord& expected,
                 uint64_t bytes, uint32_t crc) {
  if (bytes != expected.bytes) {
    fileMismatch(directory, file,
                 "is " + std::to_string(bytes) + " bytes, the manifest expects " +
                     std::to_string(expected.bytes) + " (truncated or overwritten)");
  }
  if (crc != expected.crc32) {
    fileMismatch(directory, file,
                 "has crc32 " + crc32Hex(crc) + ", the manifest expects " +
                     crc32Hex(expected.crc32) + " (corrupted)");
  }
}

}  // namespace

void verifyFiles(const fs::path& directory, const Manifest& manifest, Verification verification) {
  for (const auto& [file, expected] : manifest.files) {
    const fs::path path = directory / file;
    std::error_code ec;
    const fs::file_status status = fs::symlink_status(path, ec);
    if (!fs::exists(status)) fileMismatch(directory, file, "listed in the manifest is missing");
    if (!fs::is_regular_file(status)) fileMismatch(directory, file, "is not a regular file");
    if (verification == Verification::kSizes) {
      const uint64_t bytes = fs::file_size(path, ec);
      if (ec) throw CheckpointError("cannot stat " + path.string() + ": " + ec.message());
      checkDigest(directory, file, expected, bytes, expected.crc32);
    } else {
      const FileDigest digest = digestFile(path);
      checkDigest(directory, file, expected, digest.bytes, digest.crc32);
    }
  }
}

CheckpointReader::CheckpointReader(const fs::path& root, const std::string& name,
                                   Verification verification)
    : CheckpointReader(root / name, verification) {}

CheckpointReader::CheckpointReader(fs::path directory, Verification verification)
    : directory_(std::move(directory)), manifest_(loadManifest(directory_)) {
  verifyFiles(directory_, manifest_, verification);
}

std::vector<std::string> CheckpointReader::fileNames() const {
  std::vector<std::string> names;
  for (const auto& entry : manifest_.files) names.push_back(entry.first);
  return names;
}

bool CheckpointReader::hasFile(const std::string& file) const {
  return manifest_.files.count(file) != 0;
}

const FileRecord& CheckpointReader::record(const std::string& file) const {
  const auto it = manifest_.files.find(file);
  if (it == manifest_.files.end()) {
    throw CheckpointError("checkpoint " + directory_.string() + " has no file " + file);
  }
  return it->second;
}

fs::path CheckpointReader::filePath(const std::string& file) const {
  record(file);
  return directory_ / file;
}

std::vector<uint8_t> CheckpointReader::readBytes(const std::string& file) const {
  const FileRecord& expected = record(file);
  std::vector<uint8_t> bytes = readFileBytes(directory_ / file);
  checkDigest(directory_, file, expected, bytes.size(), crc32Of(bytes.data(), bytes.size()));
  return bytes;
}

}  // namespace cog::checkpoint
