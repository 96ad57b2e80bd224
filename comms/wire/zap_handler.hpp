#pragma once
// The coordinator's ZAP handler (ZeroMQ RFC 27): decides, at each handshake on the
// endpoint's ROUTER, whether the connection may be made.
//  - With CURVE, a client only when its public key belongs to an attempt the coordinator
//    started; that attempt ("job/attempt") becomes the connection's User-Id, which the
//    endpoint then checks against every message's envelope. Refusals: unknownKeys().
//  - Always, no more than the ConnectionGate's cap of connections (coordinator.max_connections);
//    on a plain wire (CURVE off) that is the only rule. Refusals: the gate's refused().
// Runs its own thread on the endpoint's context; keys are admitted and revoked from any thread.
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <zmq.hpp>

#include "comms/wire/connection_gate.hpp"

namespace cog::wire {

// "reasoning/3": the User-Id of an attempt's connection.
std::string curveUserId(const std::string& job, int32_t attempt);

// The ZAP domain the endpoint's ROUTER names; without one libzmq skips ZAP for NULL clients.
inline constexpr const char* kZapDomain = "cog";

class ZapHandler {
 public:
  // Binds inproc://zeromq.zap.01 on `context` (before any socket of it accepts). `curve`:
  // the ROUTER is a CURVE server and clients need an admitted key.
  ZapHandler(zmq::context_t& context, ConnectionGate& gate, bool curve);
  ~ZapHandler();  // stops and joins the thread
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  void admit(const std::string& client_public_z85, const std::string& user_id);
  void revoke(const std::string& client_public_z85);

  uint64_t unknownKeys() const { return unknown_keys_.load(std::memory_order_relaxed); }
  uint64_t admitted() const { return admitted_.load(std::memory_order_relaxed); }

 private:
  void run();
  void answer();
  // The User-Id to grant, or a refusal's status code and text.
  struct Verdict {
    bool ok = false;
    std::string user_id;
    const char* status = "200";
    std::string text = "OK";
  };
  Verdict judge(const std::string& mechanism, const zmq::message_t* credentials);

  ConnectionGate& gate_;
  const bool curve_;
  zmq::socket_t socket_;
  std::mutex keys_mutex_;
  std::map<std::string, std::string> keys_;  // Z85 public key -> User-Id
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> unknown_keys_{0};
  std::atomic<uint64_t> admitted_{0};
  std::thread thread_;
};

}  // namespace cog::wire
