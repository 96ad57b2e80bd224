#include "comms/wire/zap_handler.hpp"

#include <vector>

#include "comms/wire/zmq_io.hpp"

namespace cog::wire {
namespace {

constexpr std::chrono::milliseconds kPollInterval{50};

std::string text(const zmq::message_t& frame) { return std::string(static_cast<const char*>(frame.data()), frame.size()); }

}  // namespace

std::string curveUserId(const std::string& job, int32_t attempt) { return job + "/" + std::to_string(attempt); }

ZapHandler::ZapHandler(zmq::context_t& context, ConnectionGate& gate, bool curve)
    : gate_(gate), curve_(curve), socket_(context, zmq::socket_type::rep) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.bind("inproc://zeromq.zap.01");
  thread_ = std::thread([this] { run(); });
}

ZapHandler::~ZapHandler() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void ZapHandler::admit(const std::string& client_public_z85, const std::string& user_id) {
  std::lock_guard<std::mutex> lock(keys_mutex_);
  keys_[client_public_z85] = user_id;
}

void ZapHandler::revoke(const std::string& client_public_z85) {
  std::lock_guard<std::mutex> lock(keys_mutex_);
  keys_.erase(client_public_z85);
}

void ZapHandler::run() {
  try {
    while (!stop_.load(std::memory_order_relaxed)) {
      if (detail::pollSocket(socket_, kPollInterval, false) != 0) answer();
    }
  } catch (const zmq::error_t&) {
    // The context is closing: nothing more to authenticate.
  }
  socket_.close();
}

// The key first: a stranger is refused as such and never takes a place under the cap.
ZapHandler::Verdict ZapHandler::judge(const std::string& mechanism, const zmq::message_t* credentials) {
  Verdict v;
  if (curve_) {
    if (mechanism == "CURVE" && credentials != nullptr && credentials->size() == 32) {
      char z85[41] = {};
      zmq_z85_encode(z85, static_cast<const uint8_t*>(credentials->data()), 32);
      std::lock_guard<std::mutex> lock(keys_mutex_);
      const auto it = keys_.find(z85);
      if (it != keys_.end()) v.user_id = it->second;
    }
    if (v.user_id.empty()) {
      unknown_keys_.fetch_add(1, std::memory_order_relaxed);
      return {false, "", "400", "unknown client key"};
    }
  } else if (mechanism != "NULL") {
    return {false, "", "400", "this wire is plain (coordinator.curve: off)"};
  }
  if (!gate_.admit()) {
    // 300, a temporary error: the worker's DEALER keeps dialling and gets in once others left
    // (after a 400 libzmq would stop). A NULL client is closed at once; CURVE drops a 300
    // silently, which libzmq does only when the handshake timeout fires.
    return {false, "", "300", "too many connections (coordinator.max_connections " + std::to_string(gate_.max()) + ")"};
  }
  v.ok = true;
  return v;
}

// Request: version, request id, domain, address, routing id, mechanism, credentials (for
// CURVE the client's 32-byte public key; none for NULL). Reply: version, request id, status
// code, status text, user id, metadata.
void ZapHandler::answer() {
  std::vector<zmq::message_t> request;
  do {
    request.emplace_back();
    if (!socket_.recv(request.back(), zmq::recv_flags::none)) return;
  } while (socket_.get(zmq::sockopt::rcvmore));
  const std::string mechanism = request.size() > 5 ? text(request[5]) : std::string();
  const Verdict verdict = judge(mechanism, request.size() > 6 ? &request[6] : nullptr);
  if (verdict.ok) admitted_.fetch_add(1, std::memory_order_relaxed);
  const std::string request_id = request.size() > 1 ? text(request[1]) : std::string();
  const std::string reply[] = {"1.0", request_id, verdict.status, verdict.text, verdict.user_id, ""};
  for (size_t i = 0; i < 6; ++i) {
    socket_.send(zmq::buffer(reply[i]), i + 1 < 6 ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
}

}  // namespace cog::wire
