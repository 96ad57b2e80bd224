#include "comms/wire/curve_keys.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <zmq.h>

#include "common/error.hpp"

namespace cog::wire {
namespace {

constexpr size_t kZ85KeyLength = 40;

std::map<std::string, std::string> readKeyFile(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw ConfigError(file.string() + ": cannot read the CURVE key file");
  std::map<std::string, std::string> values;
  std::string line;
  while (std::getline(in, line)) {
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    values[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return values;
}

std::string requireKey(const std::map<std::string, std::string>& values, const std::string& name,
                       const std::filesystem::path& file) {
  const auto it = values.find(name);
  if (it == values.end() || it->second.size() != kZ85KeyLength) {
    throw ConfigError(file.string() + ": '" + name + "' is missing or not a 40-character Z85 key");
  }
  return it->second;
}

// Written to a 0600 temporary beside `file`, then renamed: never readable by others, never
// half-written.
void writePrivate(const std::filesystem::path& file, const std::string& text) {
  std::filesystem::create_directories(file.parent_path());
  const std::string temp = file.string() + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw CommsError("cannot write " + temp + " (the CURVE key file)");
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written || ::rename(temp.c_str(), file.c_str()) != 0) {
    throw CommsError("cannot write " + file.string() + " (the CURVE key file)");
  }
}

}  // namespace

bool curveAvailable() { return zmq_has("curve") != 0; }

CurveKeyPair makeCurveKeyPair() {
  char public_key[kZ85KeyLength + 1] = {};
  char secret_key[kZ85KeyLength + 1] = {};
  if (!curveAvailable() || zmq_curve_keypair(public_key, secret_key) != 0) {
    throw CommsError("this libzmq cannot make CURVE keys (built without libsodium?); set coordinator.curve: off "
                     "to run unauthenticated on loopback");
  }
  return {public_key, secret_key};
}

CurveKeyPair readOrCreateServerKeys(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) {
    const CurveKeyPair keys = makeCurveKeyPair();
    writePrivate(file, "server_public=" + keys.public_key + "\nserver_secret=" + keys.secret_key + "\n");
    return keys;
  }
  const auto values = readKeyFile(file);
  return {requireKey(values, "server_public", file), requireKey(values, "server_secret", file)};
}

void writeWorkerCurveKeys(const std::filesystem::path& file, const WorkerCurveKeys& keys) {
  writePrivate(file, "server_public=" + keys.server_public + "\nclient_public=" + keys.client.public_key +
                         "\nclient_secret=" + keys.client.secret_key + "\n");
}

WorkerCurveKeys readWorkerCurveKeys(const std::filesystem::path& file) {
  const auto values = readKeyFile(file);
  return {requireKey(values, "server_public", file),
          {requireKey(values, "client_public", file), requireKey(values, "client_secret", file)}};
}

WorkerCurveKeys curveKeysFromEnvironment() {
  const char* file = std::getenv(kCurveFileEnv);
  if (file == nullptr || *file == '\0') return {};
  return readWorkerCurveKeys(file);
}

}  // namespace cog::wire
