#include "comms/wire/connection_monitor.hpp"

#include <cstring>

#include "comms/wire/zmq_io.hpp"

namespace cog::wire {
namespace {

// One monitor per context (each CoordinatorEndpoint has its own), so a fixed name is unique.
constexpr const char* kMonitorAddress = "inproc://cog-wire-connections";
constexpr std::chrono::milliseconds kPollInterval{50};

}  // namespace

ConnectionMonitor::ConnectionMonitor(zmq::context_t& context, zmq::socket_t& socket, ConnectionGate& gate)
    : gate_(gate), events_(context, zmq::socket_type::pair) {
  if (zmq_socket_monitor(socket.handle(), kMonitorAddress,
                         ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_MONITOR_STOPPED) != 0) {
    throw detail::zmqError("zmq_socket_monitor on the coordinator endpoint", zmq::error_t());
  }
  events_.set(zmq::sockopt::linger, 0);
  events_.connect(kMonitorAddress);
  // The PAIR moves to the thread here; thread creation is the barrier ZeroMQ asks for.
  thread_ = std::thread([this] { run(); });
}

ConnectionMonitor::~ConnectionMonitor() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void ConnectionMonitor::stopWatching(zmq::socket_t& socket) { zmq_socket_monitor(socket.handle(), nullptr, 0); }

void ConnectionMonitor::run() {
  try {
    while (!stop_.load(std::memory_order_relaxed)) {
      if (detail::pollSocket(events_, kPollInterval, false) != 0 && !readEvent()) break;
    }
  } catch (const std::exception&) {
    // The context is closing: nothing more to count.
  }
  events_.close();
}

// An event is two frames: [event u16][value u32], then the endpoint's address.
bool ConnectionMonitor::readEvent() {
  zmq::message_t head;
  zmq::message_t address;
  if (!detail::tryReceive(events_, head)) return true;
  if (detail::hasMore(events_)) detail::tryReceive(events_, address);
  if (head.size() < sizeof(uint16_t)) return true;
  uint16_t event = 0;
  std::memcpy(&event, head.data(), sizeof event);
  if (event == ZMQ_EVENT_ACCEPTED) gate_.accepted();
  if (event == ZMQ_EVENT_DISCONNECTED) gate_.closed();
  return event != ZMQ_EVENT_MONITOR_STOPPED;
}

}  // namespace cog::wire
