// An attempt's access to the wire, from before its workers start until its processes are gone:
// its route (the endpoint sends its commands along it; closed, it no longer takes room) and,
// with coordinator.curve, its key. Each attempt gets its own client key pair; only its worker
// can read the file (0600), and the endpoint accepts a message only from the key of the
// attempt the message speaks for (comms/wire/zap_handler.hpp).
#include "comms/wire/curve_keys.hpp"
#include "coordinator/coordinator_impl.hpp"

namespace cog::coord {

void Coordinator::Impl::openAttemptWire(const std::string& job, int attempt, LaunchRequest& request) {
  endpoint->openRoute(job, attempt);
  if (!endpoint->curve()) return;
  const wire::WorkerCurveKeys keys{curve_server_public, wire::makeCurveKeyPair()};
  const auto file = StateDir::attemptCurveFile(request.run_dir);
  wire::writeWorkerCurveKeys(file, keys);
  endpoint->admit(keys.client.public_key, job, attempt);
  attempt_keys[{job, attempt}] = keys.client.public_key;
  request.env.emplace_back(wire::kCurveFileEnv, file.string());
}

void Coordinator::Impl::reopenAttemptWire(const std::string& job, int attempt, const std::filesystem::path& run_dir) {
  endpoint->openRoute(job, attempt);
  const auto file = StateDir::attemptCurveFile(run_dir);
  if (!endpoint->curve() || !std::filesystem::exists(file)) return;
  const auto keys = wire::readWorkerCurveKeys(file);
  endpoint->admit(keys.client.public_key, job, attempt);
  attempt_keys[{job, attempt}] = keys.client.public_key;
}

void Coordinator::Impl::closeAttemptWire(const std::string& job, int attempt) {
  endpoint->closeRoute(job, attempt);
  const auto it = attempt_keys.find({job, attempt});
  if (it == attempt_keys.end()) return;
  endpoint->revoke(it->second);
  attempt_keys.erase(it);
}

}  // namespace cog::coord
