#pragma once
// `cogcoord serve`: the REST API and the dashboard over a state dir's store, read-only, until
// SIGINT or SIGTERM: to look at a finished experiment, or at another coordinator's running
// one, without acting on it (the acting routes answer 405).
#include <filesystem>
#include <ostream>
#include <string>

namespace cog::coord {

// `listen` is host:port ("127.0.0.1:0" picks a port); the bound address is printed to `out`
// as "serving http://HOST:PORT/". Returns the process exit code.
int serveStateDir(const std::filesystem::path& state_dir, const std::string& listen, bool allow_public,
                  std::ostream& out);

}  // namespace cog::coord
