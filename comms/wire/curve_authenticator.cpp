#include "comms/wire/curve_authenticator.hpp"

#include <vector>

#include "comms/wire/zmq_io.hpp"

namespace cog::wire {
namespace {

constexpr std::chrono::milliseconds kPollInterval{50};

std::string text(const zmq::message_t& frame) { return std::string(static_cast<const char*>(frame.data()), frame.size()); }

}  // namespace

std::string curveUserId(const std::string& job, int32_t attempt) { return job + "/" + std::to_string(attempt); }

CurveAuthenticator::CurveAuthenticator(zmq::context_t& context) : socket_(context, zmq::socket_type::rep) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.bind("inproc://zeromq.zap.01");
  thread_ = std::thread([this] { run(); });
}

CurveAuthenticator::~CurveAuthenticator() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void CurveAuthenticator::admit(const std::string& client_public_z85, const std::string& user_id) {
  std::lock_guard<std::mutex> lock(keys_mutex_);
  keys_[client_public_z85] = user_id;
}

void CurveAuthenticator::revoke(const std::string& client_public_z85) {
  std::lock_guard<std::mutex> lock(keys_mutex_);
  keys_.erase(client_public_z85);
}

void CurveAuthenticator::run() {
  try {
    while (!stop_.load(std::memory_order_relaxed)) {
      if (detail::pollSocket(socket_, kPollInterval, false) != 0) answer();
    }
  } catch (const zmq::error_t&) {
    // The context is closing: nothing more to authenticate.
  }
  socket_.close();
}

// Request: version, request id, domain, address, routing id, mechanism, credentials (the
// client's 32-byte public key for CURVE). Reply: version, request id, status code, status
// text, user id, metadata.
void CurveAuthenticator::answer() {
  std::vector<zmq::message_t> request;
  do {
    request.emplace_back();
    if (!socket_.recv(request.back(), zmq::recv_flags::none)) return;
  } while (socket_.get(zmq::sockopt::rcvmore));
  std::string user_id;
  if (request.size() >= 7 && text(request[5]) == "CURVE" && request[6].size() == 32) {
    char z85[41] = {};
    zmq_z85_encode(z85, static_cast<const uint8_t*>(request[6].data()), 32);
    std::lock_guard<std::mutex> lock(keys_mutex_);
    const auto it = keys_.find(z85);
    if (it != keys_.end()) user_id = it->second;
  }
  const bool ok = !user_id.empty();
  (ok ? admitted_ : refused_).fetch_add(1, std::memory_order_relaxed);
  const std::string request_id = request.size() > 1 ? text(request[1]) : std::string();
  const std::string reply[] = {"1.0", request_id, ok ? "200" : "400", ok ? "OK" : "unknown client key", user_id, ""};
  for (size_t i = 0; i < 6; ++i) {
    socket_.send(zmq::buffer(reply[i]), i + 1 < 6 ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
}

}  // namespace cog::wire
