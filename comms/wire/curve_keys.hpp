#pragma once
// ZeroMQ CURVE keys of the worker <-> coordinator wire (issue: an authenticated wire). The
// coordinator has one key pair per experiment (STATE/curve_server.key) and makes one client
// key pair per attempt, written with the server's public key to a 0600 file in the attempt's
// run folder; the worker finds that file through COG_CURVE_FILE (never on a command line).
// Keys are Z85 text (40 characters), as zmq_curve_keypair makes them.
#include <filesystem>
#include <string>

namespace cog::wire {

inline constexpr const char* kCurveFileEnv = "COG_CURVE_FILE";

struct CurveKeyPair {
  std::string public_key;
  std::string secret_key;
};

// What a worker needs to connect: whom it talks to, and who it is.
struct WorkerCurveKeys {
  std::string server_public;
  CurveKeyPair client;
};

// True when this libzmq was built with CURVE (Debian's is, with libsodium).
bool curveAvailable();
// A fresh key pair; throws CommsError when CURVE is not available.
CurveKeyPair makeCurveKeyPair();

// Files of `key=value` lines, written atomically with mode 0600. Reading throws
// ConfigError naming the file and what is missing or malformed.
CurveKeyPair readOrCreateServerKeys(const std::filesystem::path& file);
void writeWorkerCurveKeys(const std::filesystem::path& file, const WorkerCurveKeys& keys);
WorkerCurveKeys readWorkerCurveKeys(const std::filesystem::path& file);
// The keys named by COG_CURVE_FILE, or empty ones (a plain connection) when it is unset.
WorkerCurveKeys curveKeysFromEnvironment();

}  // namespace cog::wire
