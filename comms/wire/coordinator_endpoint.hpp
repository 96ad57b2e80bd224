#pragma once
// The coordinator's side of the wire: one ZeroMQ ROUTER that every job's rank 0 connects
// to, driven by one receive thread.
//
// Threads: the receive thread owns the socket. It drains whatever has arrived (up to
// kMaxBatch messages or ~kBatchWindow) and hands the decoded batch to on_batch, on that
// thread; batching amortises the hand-over (e.g. a post into an Asio strand) over many
// messages, which is what lets one coordinator ingest >100k messages/s. sendCommand(),
// counters(), boundEndpoint() and stop() may be called from any thread.
//
// Frames that do not decode are counted by reason and dropped; they never stop the loop.
//
// Bounded: started with max_in_flight > 0 (the coordinator uses kMaxInFlight), at most that
// many messages are handed over and not yet reported ingested() by the handler's side
// (batches posted to another thread); above that the receive thread stops reading, ZeroMQ's queues fill
// to their high-water marks and push back on the senders (a worker's own queue then drops
// and counts, it never blocks), so a flood cannot grow the coordinator's memory without end.
// ZeroMQ's high-water marks count messages, not bytes: bench/wire_flood measures what a rogue
// sending 16 MiB frames and 100k small frames a second costs (about 120 MiB at the peak).
//
// Connections: ZMTP heartbeats drop dead peers, a handshake that does not finish in time is
// dropped, and no more than ConnectionPolicy::max_connections are held (connection_gate.hpp):
// the ZAP handler (zap_handler.hpp) refuses the rest, and checks CURVE keys.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>
#include <zmq.hpp>

#include "common/error.hpp"
#include "comms/wire/connection_gate.hpp"
#include "comms/wire/connection_monitor.hpp"
#include "comms/wire/curve_keys.hpp"
#include "comms/wire/messages.hpp"
#include "comms/wire/zap_handler.hpp"
#include "comms/wire/zmtp_heartbeat.hpp"

namespace cog::wire {

// How the coordinator's ROUTER treats its connections. cogcoord uses the defaults; tests
// shorten the times.
struct ConnectionPolicy {
  // Handshakes beyond this many open connections are refused (connection_gate.hpp).
  int max_connections = kDefaultMaxConnections;
  ZmtpHeartbeat heartbeat = kZmtpHeartbeat;  // dead peers' connections are closed
  // A client that connects and never finishes its handshake holds a connection, and a place
  // under max_connections, until this passes (libzmq's default is 30 s); a CURVE handshake
  // takes a few round trips, so 10 s is ample across a slow network. It is also how long a
  // CURVE client refused for room waits before dialling again (zap_handler.cpp).
  std::chrono::milliseconds handshake_timeout{10000};
};

class CoordinatorEndpoint {
 public:
  struct Inbound {
    Envelope envelope;
    Message message;
    double received_at = 0;  // unix seconds when the receive thread decoded it
  };
  using BatchHandler = std::function<void(std::vector<Inbound>&&)>;

  struct Counters {
    uint64_t received = 0;         // decoded and handed to on_batch
    uint64_t malformed = 0;        // truncated or malformed frames, multipart messages
    uint64_t bad_magic = 0;        // not Cog frames
    uint64_t unknown_version = 0;  // Cog frames of another wire version
    uint64_t unknown_kind = 0;
    uint64_t commands_sent = 0;
    uint64_t commands_failed = 0;  // the worker's connection was gone or its queue full
    uint64_t handler_errors = 0;   // exceptions thrown by on_batch (caught, loop goes on)
    uint64_t unauthenticated = 0;  // CURVE handshakes refused, messages for another attempt
    uint64_t connections = 0;      // TCP connections now (handshaking or established)
    uint64_t max_connections = 0;  // ConnectionPolicy::max_connections
    uint64_t connections_refused = 0;  // handshakes refused at max_connections
    uint64_t in_flight = 0;        // handed over, not yet ingested()
    uint64_t held_back = 0;        // polls skipped because kMaxInFlight was reached
    uint64_t routes = 0;           // open attempts (openRoute), each with its rank 0's route
  };

  static constexpr size_t kMaxBatch = 4096;
  static constexpr size_t kMaxInFlight = 16 * kMaxBatch;
  static constexpr std::chrono::milliseconds kBatchWindow{2};

  // Binds at once, e.g. "tcp://127.0.0.1:5555" or "tcp://127.0.0.1:0" (any free port; see
  // boundEndpoint()). Throws CommsError naming the endpoint and ZeroMQ's reason.
  //
  // With `curve` (the experiment's server key pair) only clients whose key was admit()ted
  // connect, and a message is accepted only when its envelope's job/attempt is the one its
  // connection's key was admitted for: a forged report, checkpoint or heartbeat from
  // anyone else is dropped and counted (unauthenticated).
  explicit CoordinatorEndpoint(std::string bind_endpoint, std::optional<CurveKeyPair> curve = std::nullopt,
                               ConnectionPolicy policy = {});
  ~CoordinatorEndpoint();  // stop()
  CoordinatorEndpoint(const CoordinatorEndpoint&) = delete;
  CoordinatorEndpoint& operator=(const CoordinatorEndpoint&) = delete;

  // The address actually bound, with the real port ("tcp://127.0.0.1:41234").
  const std::string& boundEndpoint() const { return bound_endpoint_; }

  // Starts the receive thread. Messages that arrived since the bind are kept by ZeroMQ and
  // delivered in the first batches. Throws CommsError if already started.
  // max_in_flight 0: on_batch finishes with each batch before it returns (nothing counted).
  void start(BatchHandler on_batch, size_t max_in_flight = 0);

  // Routes: commands for an attempt follow the connection its rank 0 last spoke from. Only
  // open attempts have one, so the table holds the running attempts and no more however many
  // restarts, relaunches and sweep trials came before (a late message of an ended attempt
  // makes none). Open before its workers start (or, on resume, while they run); close when
  // its processes are gone. Thread-safe.
  void openRoute(const std::string& job, int32_t attempt);
  void closeRoute(const std::string& job, int32_t attempt);

  // Queues `command` for the connection that last sent a message as rank 0 of job/attempt;
  // the receive thread sends it within one poll interval. False if the attempt is not open
  // or its rank 0 has not been heard from since it was opened. Thread-safe.
  bool sendCommand(const std::string& job, int32_t attempt, const Command& command);

  // CURVE only: the attempt's client key may connect (admit) or not any more (revoke).
  // Thread-safe; no-ops without CURVE.
  void admit(const std::string& client_public, const std::string& job, int32_t attempt);
  void revoke(const std::string& client_public);
  bool curve() const { return curve_; }

  // The handler's side has finished with `messages` of the handed-over ones. Thread-safe.
  void ingested(size_t messages) { in_flight_.fetch_sub(messages, std::memory_order_relaxed); }

  // Stops and joins the receive thread; a batch being handled is finished first. Idempotent.
  void stop();

  Counters counters() const;
  // Empty unless the receive thread stopped on a ZeroMQ error; then that error's message.
  std::string failure() const;

 private:
  using JobKey = std::pair<std::string, int32_t>;  // job, attempt
  struct OutgoingCommand {
    JobKey key;
    std::string frame;
  };

  void run();
  size_t receiveBatch(std::vector<Inbound>& batch);
  void accept(const zmq::message_t& identity, const zmq::message_t& frame,
              std::vector<Inbound>& batch);
  void sendCommands();

  void closeSocket();  // on the thread that owns it

  std::string bound_endpoint_;
  const bool curve_;
  zmq::context_t context_;
  ConnectionGate gate_;
  // Before socket_: the ZAP socket must be bound before the ROUTER accepts anyone, and both
  // outlive the ROUTER (members are destroyed in reverse order).
  ZapHandler zap_;
  zmq::socket_t socket_;  // owned by the receive thread once it runs
  std::unique_ptr<ConnectionMonitor> monitor_;  // watches socket_; stopped before it closes
  bool socket_closed_ = false;  // guarded by lifecycle_mutex_ until the thread runs
  BatchHandler on_batch_;
  size_t max_in_flight_ = 0;

  // Open attempts -> the ROUTER identity of their rank 0's newest connection ("" until it
  // is heard from). Written by the receive thread (identities) and by open/closeRoute.
  mutable std::mutex routes_mutex_;
  std::map<JobKey, std::string> routes_;

  std::mutex outgoing_mutex_;
  std::vector<OutgoingCommand> outgoing_;
  std::atomic<uint64_t> command_seq_{0};

  std::atomic<bool> stop_requested_{false};
  std::atomic<uint64_t> received_{0};
  std::atomic<uint64_t> malformed_{0};
  std::atomic<uint64_t> bad_magic_{0};
  std::atomic<uint64_t> unknown_version_{0};
  std::atomic<uint64_t> unknown_kind_{0};
  std::atomic<uint64_t> commands_sent_{0};
  std::atomic<uint64_t> commands_failed_{0};
  std::atomic<uint64_t> handler_errors_{0};
  std::atomic<uint64_t> unauthenticated_{0};
  std::atomic<uint64_t> in_flight_{0};
  std::atomic<uint64_t> held_back_{0};
  mutable std::mutex failure_mutex_;
  std::string failure_;

  std::mutex lifecycle_mutex_;  // serialises start() and stop()
  std::thread thread_;
};

}  // namespace cog::wire
