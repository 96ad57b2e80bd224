#include "coordinator/state_dir.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace cog::coord {

void writeEndpoints(const StateDir& dir, const CoordinatorEndpoints& e) {
  nlohmann::json j = {{"experiment_file", e.experiment_file}, {"wire", e.wire}, {"http", e.http}, {"pid", e.pid}};
  const auto tmp = dir.endpointsFile().string() + ".tmp";
  {
    std::ofstream out(tmp);
    out << j.dump(2) << "\n";
    if (!out) throw Error(tmp + ": cannot write the coordinator's endpoints file");
  }
  std::filesystem::rename(tmp, dir.endpointsFile());
}

CoordinatorEndpoints readEndpoints(const StateDir& dir) {
  std::ifstream in(dir.endpointsFile());
  if (!in) {
    throw ConfigError(dir.endpointsFile().string() + ": missing — is " + dir.root.string() +
                      " the --state-dir of a `cogcoord run`?");
  }
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw ConfigError(dir.endpointsFile().string() + ": not valid JSON");
  CoordinatorEndpoints e;
  e.experiment_file = j.value("experiment_file", "");
  e.wire = j.value("wire", "");
  e.http = j.value("http", "");
  e.pid = j.value("pid", 0LL);
  if (e.wire.empty()) throw ConfigError(dir.endpointsFile().string() + ": no wire endpoint recorded");
  return e;
}

}  // namespace cog::coord
