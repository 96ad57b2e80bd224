#include "worker/checkpoint/durable_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <boost/crc.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/error.hpp"

namespace cog::checkpoint {

namespace {

std::string describe(const char* what, const std::filesystem::path& path, int err) {
  return std::string(what) + " " + path.string() + ": " + std::strerror(err);
}

}  // namespace

long posixCheck(long rc, const char* what, const std::filesystem::path& path) {
  if (rc < 0) throw CheckpointError(describe(what, path, errno));
  return rc;
}

UniqueFd::UniqueFd(UniqueFd&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) {
  other.fd_ = -1;
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

void UniqueFd::close() {
  if (fd_ < 0) return;
  const int fd = fd_;
  fd_ = -1;
  // No EINTR retry: on Linux the descriptor is released even when close reports EINTR.
  posixCheck(::close(fd), "cannot close", path_);
}

UniqueFd openFile(const std::filesystem::path& path, int flags, unsigned mode) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, static_cast<mode_t>(mode));
  } while (fd < 0 && errno == EINTR);
  posixCheck(fd, "cannot open", path);
  return UniqueFd(fd, path);
}

void writeAll(const UniqueFd& fd, const void* data, size_t size) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd.get(), p, size);
    if (n < 0 && errno == EINTR) continue;
    posixCheck(n, "cannot write", fd.path());
    p += n;
    size -= static_cast<size_t>(n);
  }
}

void readExactly(const UniqueFd& fd, void* data, size_t size, uint64_t offset) {
  auto* p = static_cast<char*>(data);
  const uint64_t start = offset;
  while (size > 0) {
    const ssize_t n = ::pread(fd.get(), p, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    posixCheck(n, "cannot read", fd.path());
    if (n == 0) {
      throw CheckpointError("file " + fd.path().string() + " is truncated: wanted " +
                            std::to_string(size + (offset - start)) + " bytes at offset " +
                            std::to_string(start) + ", the file ends at " + std::to_string(offset));
    }
    p += n;
    offset += static_cast<uint64_t>(n);
    size -= static_cast<size_t>(n);
  }
}

uint64_t fileSize(const UniqueFd& fd) {
  struct stat st {};
  posixCheck(::fstat(fd.get(), &st), "cannot stat", fd.path());
  return static_cast<uint64_t>(st.st_size);
}

void writeFileBytes(const std::filesystem::path& path, const void* data, size_t size) {
  UniqueFd fd = openFile(path, O_WRONLY | O_CREAT | O_TRUNC);
  writeAll(fd, data, size);
  fd.close();
}

std::vector<uint8_t> readFileBytes(const std::filesystem::path& path) {
  UniqueFd fd = openFile(path, O_RDONLY);
  std::vector<uint8_t> bytes(fileSize(fd));
  readExactly(fd, bytes.data(), bytes.size(), 0);
  return bytes;
}

FileDigest digestFile(const std::filesystem::path& path) {
  UniqueFd fd = openFile(path, O_RDONLY);
  boost::crc_32_type crc;
  FileDigest digest;
  // 1 MiB chunks: large enough that syscall overhead is negligible next to the CRC.
  std::vector<char> chunk(1 << 20);
  for (;;) {
    const ssize_t n = ::read(fd.get(), chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    posixCheck(n, "cannot read", path);
    if (n == 0) break;
    crc.process_bytes(chunk.data(), static_cast<size_t>(n));
    digest.bytes += static_cast<uint64_t>(n);
  }
  digest.crc32 = crc.checksum();
  return digest;
}

uint32_t crc32Of(const void* data, size_t size) {
  boost::crc_32_type crc;
  crc.process_bytes(data, size);
  return crc.checksum();
}

std::string crc32Hex(uint32_t crc) {
  std::array<char, 9> text{};
  std::snprintf(text.data(), text.size(), "%08x", crc);
  return text.data();
}

void fsyncPath(const std::filesystem::path& path) {
  UniqueFd fd = openFile(path, O_RDONLY);
  int rc;
  do {
    rc = ::fsync(fd.get());
  } while (rc < 0 && errno == EINTR);
  if (rc < 0 && errno == EINVAL) return;
  posixCheck(rc, "cannot fsync", path);
}

void renamePath(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (::rename(from.c_str(), to.c_str()) < 0) {
    const int err = errno;
    throw CheckpointError("cannot rename " + from.string() + " to " + to.string() + ": " +
                          std::strerror(err));
  }
}

}  // namespace cog::checkpoint
