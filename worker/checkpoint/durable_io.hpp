#pragma once
// POSIX file helpers for checkpoints: whole-file reads and writes, CRC32 digests and
// fsync of files and directories. Internal to cog_checkpoint; every failure becomes a
// CheckpointError naming the operation, the path and the system's own message.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace cog::checkpoint {

// The one checker for POSIX calls in this library (STYLE.md rule 5): throws
// CheckpointError("<what> <path>: <strerror(errno)>") when rc < 0, else returns rc.
long posixCheck(long rc, const char* what, const std::filesystem::path& path);

// Owns a file descriptor; closes it on destruction (errors there are ignored: call
// close() explicitly when a failed close must be reported, e.g. after writing).
class UniqueFd {
 public:
  UniqueFd() = default;
  UniqueFd(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  UniqueFd(UniqueFd&& other) noexcept;
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  const std::filesystem::path& path() const { return path_; }
  void close();  // throws CheckpointError if close(2) fails

 private:
  int fd_ = -1;
  std::filesystem::path path_;
};

UniqueFd openFile(const std::filesystem::path& path, int flags, unsigned mode = 0644);

// Writes all `size` bytes, retrying short writes and EINTR.
void writeAll(const UniqueFd& fd, const void* data, size_t size);

// Reads exactly `size` bytes at `offset`; a short read means the file is shorter than
// its header or manifest claims, reported as "truncated".
void readExactly(const UniqueFd& fd, void* data, size_t size, uint64_t offset);

uint64_t fileSize(const UniqueFd& fd);

// Creates or truncates `path` and writes `size` bytes (no fsync: the checkpoint commit
// fsyncs every file once, after all of them are written).
void writeFileBytes(const std::filesystem::path& path, const void* data, size_t size);
std::vector<uint8_t> readFileBytes(const std::filesystem::path& path);

struct FileDigest {
  uint64_t bytes = 0;
  uint32_t crc32 = 0;
};

// Streams the file through CRC-32 (the zlib/PNG polynomial, boost::crc_32_type).
FileDigest digestFile(const std::filesystem::path& path);
uint32_t crc32Of(const void* data, size_t size);
std::string crc32Hex(uint32_t crc);  // 8 lowercase hex digits

// fsync(2) of a file or a directory. A directory fsync is what makes a rename or a
// newly created entry durable; filesystems that cannot sync directories (EINVAL) are
// accepted, since there is nothing more the caller could do there.
void fsyncPath(const std::filesystem::path& path);

// rename(2) with a CheckpointError naming both paths.
void renamePath(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace cog::checkpoint
