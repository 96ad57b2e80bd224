#include "coordinator/sweep/saved_sweep.hpp"

#include <fstream>
#include <iterator>

#include "common/error.hpp"

namespace cog::coord::sweep {

std::unique_ptr<SweepJobSource> loadSavedSweep(const StateDir& state, const StoreReader& store) {
  const auto file = sourceStateFile(state, "sweep");
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return nullptr;
  const auto experiments = store.experiments();
  if (experiments.empty()) {
    throw DataError(file.string() + ": a sweep's state, but the store " +
                    state.database().string() + " holds no experiment to read the sweep file from");
  }
  const ExperimentRow& stored = experiments.front();
  // Relative model configs resolve against the sweep file's folder, as when it was loaded.
  const std::string base_dir = std::filesystem::path(stored.config_path).parent_path().string();
  auto source = std::make_unique<SweepJobSource>(
      parseSweepConfig(stored.config_yaml, stored.config_path, base_dir));
  std::ifstream in(file);
  if (!in) throw DataError(file.string() + ": cannot be opened");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  try {
    source->restoreState(text);
  } catch (const DataError& e) {
    throw DataError(file.string() + ": " + e.what());
  }
  return source;
}

std::vector<std::string> savedSweepViews(const StateDir& state, const StoreReader& store) {
  const auto source = loadSavedSweep(state, store);
  if (!source) return {};
  return {source->restView()};
}

}  // namespace cog::coord::sweep
