#include "worker/checkpoint/checkpoint_listing.hpp"

#include <algorithm>
#include <limits>
#include <system_error>
#include <tuple>

#include "common/error.hpp"
#include "common/remove_tree.hpp"
#include "worker/checkpoint/checkpoint_names.hpp"

namespace cog::checkpoint {

namespace fs = std::filesystem;

namespace {

// A total order (std::sort needs one): checkpoints without an integer step sort first.
auto sortKey(const CheckpointInfo& info) {
  const auto step = info.meta.find("step");
  const int64_t stepKey = step != info.meta.end() && step->is_number_integer()
                              ? step->get<int64_t>()
                              : std::numeric_limits<int64_t>::min();
  return std::make_tuple(stepKey, info.created_unix, std::cref(info.name));
}

}  // namespace

CheckpointListing listCheckpoints(const fs::path& root, Verification verification) {
  CheckpointListing listing;
  std::error_code ec;
  const fs::file_status rootStatus = fs::status(root, ec);
  if (!fs::exists(rootStatus)) return listing;
  if (!fs::is_directory(rootStatus)) {
    throw CheckpointError("checkpoint root " + root.string() + " is not a directory");
  }
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name.front() == '.') continue;
    try {
      const CheckpointReader reader(it->path(), verification);
      listing.checkpoints.push_back(
          {name, it->path(), reader.manifest().created_unix, reader.meta()});
    } catch (const CheckpointError& e) {
      listing.broken.push_back({name, e.what()});
    }
  }
  if (ec)
    throw CheckpointError("cannot list checkpoint root " + root.string() + ": " + ec.message());
  std::sort(
      listing.checkpoints.begin(), listing.checkpoints.end(),
      [](const CheckpointInfo& a, const CheckpointInfo& b) { return sortKey(a) < sortKey(b); });
  std::sort(listing.broken.begin(), listing.broken.end(),
            [](const BrokenCheckpoint& a, const BrokenCheckpoint& b) { return a.name < b.name; });
  return listing;
}

void prunePeriodicCheckpoints(const std::filesystem::path& root, int64_t keep_last) {
  if (keep_last <= 0) return;
  std::vector<std::pair<int64_t, std::filesystem::path>> periodic;  // (epochs, directory)
  for (const auto& entry : std::filesystem::directory_iterator(root)) {
    if (const auto epochs = periodicCheckpointEpochs(entry.path().filename().string())) {
      periodic.emplace_back(*epochs, entry.path());
    }
  }
  std::sort(periodic.begin(), periodic.end());
  const size_t keep = static_cast<size_t>(keep_last);
  for (size_t i = 0; i + keep < periodic.size(); ++i) cog::removeTree(periodic[i].second);
}

}  // namespace cog::checkpoint
