#include "common/remove_tree.hpp"

#include <ftw.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>

namespace cog {
namespace {

// nftw's callback takes no user pointer: the walk's state lives in the calling thread.
thread_local std::uintmax_t t_removed = 0;
thread_local int t_first_errno = 0;

int removeEntry(const char* path, const struct stat*, int, struct FTW*) {
  if (std::remove(path) == 0) {
    ++t_removed;
  } else if (errno != ENOENT && t_first_errno == 0) {
    t_first_errno = errno;  // keep going: remove what can be removed, report the first failure
  }
  return 0;
}

}  // namespace

std::uintmax_t removeTree(const std::filesystem::path& path, std::error_code& ec) noexcept {
  ec.clear();
  struct stat info;
  if (::lstat(path.c_str(), &info) != 0) {
    if (errno != ENOENT) ec.assign(errno, std::generic_category());
    return 0;
  }
  t_removed = 0;
  t_first_errno = 0;
  // Children before their directory (FTW_DEPTH); links removed, never followed (FTW_PHYS).
  if (::nftw(path.c_str(), removeEntry, 32, FTW_DEPTH | FTW_PHYS) != 0 && t_first_errno == 0) {
    t_first_errno = errno;
  }
  if (t_first_errno != 0) ec.assign(t_first_errno, std::generic_category());
  return t_removed;
}

std::uintmax_t removeTree(const std::filesystem::path& path) {
  std::error_code ec;
  const std::uintmax_t removed = removeTree(path, ec);
  if (ec) throw std::filesystem::filesystem_error("cannot remove", path, ec);
  return removed;
}

}  // namespace cog
