#include "worker/checkpoint/checkpoint_recovery.hpp"

#include <unistd.h>

#include <map>
#include <optional>
#include <system_error>

#include "common/error.hpp"
#include "common/remove_tree.hpp"
#include "worker/checkpoint/checkpoint_names.hpp"
#include "worker/checkpoint/checkpoint_reader.hpp"
#include "worker/checkpoint/durable_io.hpp"

namespace cog::checkpoint {

namespace fs = std::filesystem;

namespace {

struct Temporary {
  fs::path path;
  TemporaryName parts;
};

std::vector<Temporary> listTemporaries(const fs::path& root) {
  std::vector<Temporary> found;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return found;
  const long self = static_cast<long>(::getpid());
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    std::optional<TemporaryName> parts = parseTemporaryName(it->path().filename().string());
    if (parts && parts->pid != self) found.push_back({it->path(), *parts});
  }
  if (ec)
    throw CheckpointError("cannot list checkpoint root " + root.string() + ": " + ec.message());
  return found;
}

bool entryExists(const fs::path& path) {
  std::error_code ec;
  return fs::exists(fs::symlink_status(path, ec));
}

}  // namespace

std::vector<std::string> recoverInterrupted(const fs::path& root) {
  // The newest verifying set-aside copy per missing NAME.
  std::map<std::string, std::pair<int64_t, fs::path>> best;
  for (const Temporary& t : listTemporaries(root)) {
    if (t.parts.kind != TemporaryKind::kSetAside || entryExists(root / t.parts.checkpoint))
      continue;
    try {
      const CheckpointReader reader(t.path);
      const int64_t created = reader.manifest().created_unix;
      const auto it = best.find(t.parts.checkpoint);
      if (it == best.end() || created > it->second.first) {
        best[t.parts.checkpoint] = {created, t.path};
      }
    } catch (const CheckpointError&) {
      // Not restorable; left for a person to inspect rather than deleted.
    }
  }
  std::vector<std::string> restored;
  for (const auto& [name, candidate] : best) {
    renamePath(candidate.second, root / name);
    restored.push_back(name);
  }
  if (!restored.empty()) fsyncPath(root);
  return restored;
}

std::vector<fs::path> removeStaleTemporaries(const fs::path& root) {
  std::vector<fs::path> removed;
  for (const Temporary& t : listTemporaries(root)) {
    if (t.parts.kind == TemporaryKind::kSetAside && !entryExists(root / t.parts.checkpoint))
      continue;
    std::error_code ec;
    cog::removeTree(t.path, ec);
    if (ec) throw CheckpointError("cannot remove stale " + t.path.string() + ": " + ec.message());
    removed.push_back(t.path);
  }
  return removed;
}

}  // namespace cog::checkpoint
