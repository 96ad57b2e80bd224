#pragma once
// The sweep a state dir holds, rebuilt from what `cogcoord sweep` saved there: its effective
// sweep file (the store's experiment row, so neither the file nor the --set flags are needed)
// and the driver's state (STATE/sweep_state.json, written after every decision). `cogcoord
// resume` continues the sweep from it; `cogcoord serve` shows it. Both then have a
// SweepJobSource, so the REST document is the live coordinator's own restView(): one builder.
#include <memory>
#include <string>
#include <vector>

#include "coordinator/state_dir.hpp"
#include "coordinator/store/records.hpp"
#include "coordinator/sweep/sweep_job_source.hpp"

namespace cog::coord::sweep {

// nullptr when the state dir holds no sweep (no sweep_state.json: a `cogcoord run`). Throws
// ConfigError when the stored sweep file no longer parses (a model config it names was moved),
// DataError naming sweep_state.json when that is unreadable, malformed or of another sweep.
std::unique_ptr<SweepJobSource> loadSavedSweep(const StateDir& state, const StoreReader& store);

// `cogcoord serve`'s /api/v1/sweeps: the saved sweep's REST view, or none. Read afresh on every
// call: the served state dir may be a running coordinator's, whose sweep moves on.
std::vector<std::string> savedSweepViews(const StateDir& state, const StoreReader& store);

}  // namespace cog::coord::sweep
