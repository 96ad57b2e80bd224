#pragma once
// Crash-safe writing of one checkpoint directory ROOT/NAME.
//
// Protocol (each step durable before the next, so at every instant either the complete
// old or the complete new checkpoint exists under a recognisable name):
//   1. files are written into a staging directory ROOT/.tmp-NAME-<pid>-<n>/;
//   2. commit() digests every file (size + CRC32), writes manifest.json, fsyncs every
//      file, the manifest, every directory inside, and the staging directory;
//   3. if ROOT/NAME exists it is renamed aside to ROOT/.old-NAME-<pid>-<n>;
//   4. the staging directory is renamed to ROOT/NAME and ROOT is fsynced;
//   5. the set-aside copy is removed.
// A crash between 3 and 4 leaves no NAME but a complete .old-NAME-…; recoverInterrupted()
// (checkpoint_recovery.hpp) renames it back. A crash anywhere else leaves at worst a stale
// staging or set-aside directory, which readers ignore and removeStaleTemporaries() deletes.
// rename(2) cannot replace a non-empty directory, hence the aside step.
//
// One writer per NAME at a time (rank 0 writes); a writer is not thread-safe.
#include <cstddef>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

namespace cog::checkpoint {

class CheckpointWriter {
 public:
  // Creates ROOT (with parents) if needed and a fresh staging directory inside it.
  // Throws CheckpointError for an invalid NAME or a filesystem failure.
  CheckpointWriter(std::filesystem::path root, std::string name);
  // Removes the staging directory unless commit() succeeded. Never throws.
  ~CheckpointWriter();
  CheckpointWriter(const CheckpointWriter&) = delete;
  CheckpointWriter& operator=(const CheckpointWriter&) = delete;

  // Writes a file (relative path, '/'-separated, subdirectories allowed) into the
  // staging directory. Adding the same file twice is a CheckpointError.
  void addFile(const std::string& file, const void* data, size_t size);
  void addFile(const std::string& file, std::string_view bytes);
  // Lets `write` produce the file itself (e.g. torch::save or writeSafetensors) at the
  // absolute path it is given; the file must exist afterwards.
  void addFileFrom(const std::string& file,
                   const std::function<void(const std::filesystem::path&)>& write);

  // Caller data stored as the manifest's "meta" object (epoch, step, val_loss, healthy...).
  // listCheckpoints() sorts by meta["step"] when it is an integer.
  void setMeta(nlohmann::json meta);

  // Runs steps 2-5 above and returns ROOT/NAME. Every regular file in the staging
  // directory is listed in the manifest, whoever wrote it. Callable once.
  std::filesystem::path commit();

  const std::filesystem::path& stagingDirectory() const { return staging_; }
  const std::filesystem::path& targetDirectory() const { return target_; }

 private:
  std::filesystem::path prepareFile(const std::string& file);
  std::filesystem::path setAsideName() const;

  std::filesystem::path root_;
  std::string name_;
  std::filesystem::path target_;
  std::filesystem::path staging_;
  long pid_ = 0;
  long sequence_ = 0;
  std::set<std::string> files_;
  nlohmann::json meta_ = nlohmann::json::object();
  bool committed_ = false;  // true once staging_ has been renamed to target_
};

}  // namespace cog::checkpoint
