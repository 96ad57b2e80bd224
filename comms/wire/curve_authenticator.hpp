#pragma once
// The coordinator's ZAP handler (ZeroMQ RFC 27): admits a CURVE client only when its public
// key belongs to an attempt the coordinator started, and names that attempt as the
// connection's User-Id ("job/attempt"), which the endpoint then checks against every
// message's envelope. Runs its own thread on the endpoint's context; keys are admitted and
// revoked from any thread.
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <zmq.hpp>

namespace cog::wire {

// "reasoning/3": the User-Id of an attempt's connection.
std::string curveUserId(const std::string& job, int32_t attempt);

class CurveAuthenticator {
 public:
  // Binds inproc://zeromq.zap.01 on `context` (before any CURVE socket of it accepts).
  explicit CurveAuthenticator(zmq::context_t& context);
  ~CurveAuthenticator();  // stops and joins the thread
  CurveAuthenticator(const CurveAuthenticator&) = delete;
  CurveAuthenticator& operator=(const CurveAuthenticator&) = delete;

  void admit(const std::string& client_public_z85, const std::string& user_id);
  void revoke(const std::string& client_public_z85);

  uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }
  uint64_t admitted() const { return admitted_.load(std::memory_order_relaxed); }

 private:
  void run();
  void answer();

  zmq::socket_t socket_;
  std::mutex keys_mutex_;
  std::map<std::string, std::string> keys_;  // Z85 public key -> User-Id
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> refused_{0};
  std::atomic<uint64_t> admitted_{0};
  std::thread thread_;
};

}  // namespace cog::wire
