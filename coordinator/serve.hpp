#pragma once
// `cogcoord serve`: the REST API and the dashboard over a state dir's store, read-only, until
// SIGINT or SIGTERM: to look at a finished experiment, or at another coordinator's running
// one, without acting on it (the acting routes answer 405).
#include <filesystem>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "coordinator/state_dir.hpp"
#include "coordinator/store/records.hpp"

namespace cog::coord {

// The sweeps a state dir holds, as /api/v1/sweeps serves them (RestHandler::setSweeps), called
// on every request. Given by cogcoord (sweep::savedSweepViews): sweeps sit above this library.
using SavedSweeps = std::function<std::vector<std::string>(const StateDir&, const StoreReader&)>;

// `listen` is host:port ("127.0.0.1:0" picks a port); the bound address is printed to `out`
// as "serving http://HOST:PORT/". Without `sweeps` /api/v1/sweeps lists none. Returns the
// process exit code.
int serveStateDir(const std::filesystem::path& state_dir, const std::string& listen, bool allow_public,
                  std::ostream& out, const SavedSweeps& sweeps = {});

}  // namespace cog::coord
