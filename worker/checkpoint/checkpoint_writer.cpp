#include "worker/checkpoint/checkpoint_writer.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <system_error>
#include <vector>

#include "common/error.hpp"
#include "common/remove_tree.hpp"
#include "worker/checkpoint/checkpoint_names.hpp"
#include "worker/checkpoint/durable_io.hpp"
#include "worker/checkpoint/manifest.hpp"

namespace cog::checkpoint {

namespace fs = std::filesystem;

namespace {

// Sequence numbers are found by trying mkdir until one is free, so no process-wide
// counter is needed; this bound only stops a pathological loop.
constexpr long kMaxSequence = 1000000;

bool pathExists(const fs::path& path) {
  std::error_code ec;
  return fs::exists(fs::symlink_status(path, ec));
}

[[noreturn]] void throwFs(const char* what, const fs::path& path, const std::error_code& ec) {
  throw CheckpointError(std::string(what) + " " + path.string() + ": " + ec.message());
}

}  // namespace

CheckpointWriter::CheckpointWriter(fs::path root, std::string name)
    : root_(std::move(root)), name_(std::move(name)), pid_(static_cast<long>(::getpid())) {
  validateCheckpointName(name_);
  target_ = root_ / name_;
  std::error_code ec;
  fs::create_directories(root_, ec);
  if (ec) throwFs("cannot create checkpoint root", root_, ec);
  // mkdir is atomic and fails with EEXIST, which makes it the uniqueness test.
  for (sequence_ = 0; sequence_ < kMaxSequence; ++sequence_) {
    const fs::path candidate =
        root_ / temporaryName({TemporaryKind::kStaging, name_, pid_, sequence_});
    if (::mkdir(candidate.c_str(), 0755) == 0) {
      staging_ = candidate;
      return;
    }
    if (errno != EEXIST) posixCheck(-1, "cannot create staging directory", candidate);
  }
  throw CheckpointError("no free staging directory name for checkpoint " + target_.string());
}

CheckpointWriter::~CheckpointWriter() {
  if (committed_ || staging_.empty()) return;
  std::error_code ec;
  cog::removeTree(staging_, ec);  // best effort: a leftover is a stale temporary, not a checkpoint
}

fs::path CheckpointWriter::prepareFile(const std::string& file) {
  if (committed_) {
    throw InvariantError("checkpoint " + target_.string() + ": file " + file +
                         " added after commit()");
  }
  validateFileName(file);
  if (!files_.insert(file).second) {
    throw CheckpointError("checkpoint " + target_.string() + ": file " + file + " added twice");
  }
  const fs::path path = staging_ / file;
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) throwFs("cannot create directory", path.parent_path(), ec);
  return path;
}

void CheckpointWriter::addFile(const std::string& file, const void* data, size_t size) {
  addFileFrom(file, [&](const fs::path& path) { writeFileBytes(path, data, size); });
}

void CheckpointWriter::addFile(const std::string& file, std::string_view bytes) {
  addFile(file, bytes.data(), bytes.size());
}

void CheckpointWriter::addFileFrom(const std::string& file,
                                   const std::function<void(const fs::path&)>& write) {
  const fs::path path = prepareFile(file);
  try {
    write(path);
    std::error_code ec;
    if (!fs::is_regular_file(fs::symlink_status(path, ec))) {
      throw CheckpointError("checkpoint " + target_.string() + ": the writer for file " + file +
                            " did not create the regular file " + path.string());
    }
  } catch (...) {
    // Forget the failed file so the caller may retry it or commit without it.
    files_.erase(file);
    std::error_code ec;
    fs::remove(path, ec);
    throw;
  }
}

void CheckpointWriter::setMeta(nlohmann::json meta) {
  if (!meta.is_object()) {
    throw InvariantError("checkpoint " + target_.string() + ": meta must be a JSON object, got " +
                         meta.dump());
  }
  meta_ = std::move(meta);
}

fs::path CheckpointWriter::setAsideName() const {
  for (long n = sequence_; n < sequence_ + kMaxSequence; ++n) {
    const fs::path candidate = root_ / temporaryName({TemporaryKind::kSetAside, name_, pid_, n});
    if (!pathExists(candidate)) return candidate;
  }
  throw CheckpointError("no free set-aside name for checkpoint " + target_.string());
}

fs::path CheckpointWriter::commit() {
  if (committed_) throw InvariantError("checkpoint " + target_.string() + " committed twice");

  // Step 2: digest and fsync everything the staging directory holds.
  Manifest manifest;
  manifest.name = name_;
  manifest.created_unix = static_cast<int64_t>(std::time(nullptr));
  manifest.meta = meta_;
  std::vector<fs::path> directories;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(staging_, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& path = it->path();
    const fs::file_status status = it->symlink_status();
    if (fs::is_directory(status)) {
      directories.push_back(path);
      continue;
    }
    const std::string file = path.lexically_relative(staging_).generic_string();
    if (!fs::is_regular_file(status)) {
      throw CheckpointError("checkpoint " + target_.string() + ": " + file +
                            " is not a regular file (symlinks and devices are not stored)");
    }
    validateFileName(file);
    const FileDigest digest = digestFile(path);
    manifest.files[file] = FileRecord{digest.bytes, digest.crc32};
    fsyncPath(path);
  }
  if (ec) throwFs("cannot list staging directory", staging_, ec);
  for (const std::string& file : files_) {
    if (manifest.files.count(file) == 0) {
      throw CheckpointError("checkpoint " + target_.string() + ": file " + file +
                            " was added but is no longer in " + staging_.string());
    }
  }
  const std::string manifestText = serializeManifest(manifest);
  const fs::path manifestPath = staging_ / kManifestFileName;
  writeFileBytes(manifestPath, manifestText.data(), manifestText.size());
  fsyncPath(manifestPath);
  for (const fs::path& dir : directories) fsyncPath(dir);
  fsyncPath(staging_);

  // Steps 3-4: swap the new directory in; the old one stays complete under .old-… .
  fs::path aside;
  if (pathExists(target_)) {
    aside = setAsideName();
    renamePath(target_, aside);
  }
  try {
    renamePath(staging_, target_);
  } catch (const CheckpointError&) {
    if (!aside.empty()) {
      std::error_code restoreEc;
      fs::rename(aside, target_, restoreEc);  // best effort: leave the old one in place
    }
    throw;
  }
  committed_ = true;
  fsyncPath(root_);

  // Step 5. A failure here leaves a stale .old-… that removeStaleTemporaries() deletes;
  // the new checkpoint is already in place, so it is not an error of this commit.
  if (!aside.empty()) cog::removeTree(aside, ec);
  return target_;
}

}  // namespace cog::checkpoint
