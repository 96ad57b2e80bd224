#include "comms/wire/zmq_io.hpp"

#include <cerrno>

namespace cog::wire::detail {

CommsError zmqError(const std::string& what, const zmq::error_t& error) {
  return CommsError(what + ": " + error.what() + " (zmq errno " + std::to_string(error.num()) +
                    ")");
}

short pollSocket(zmq::socket_t& socket, std::chrono::milliseconds timeout, bool want_out) {
  zmq::pollitem_t item{socket.handle(), 0,
                       static_cast<short>(ZMQ_POLLIN | (want_out ? ZMQ_POLLOUT : 0)), 0};
  try {
    zmq::poll(&item, 1, timeout);
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR) return 0;
    throw zmqError("zmq_poll", e);
  }
  return item.revents;
}

bool tryReceive(zmq::socket_t& socket, zmq::message_t& frame) {
  try {
    return socket.recv(frame, zmq::recv_flags::dontwait).has_value();
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR) return false;
    throw zmqError("zmq_msg_recv", e);
  }
}

SendOutcome trySend(zmq::socket_t& socket, const void* data, size_t size, bool more) {
  const auto flags =
      more ? (zmq::send_flags::dontwait | zmq::send_flags::sndmore) : zmq::send_flags::dontwait;
  try {
    return socket.send(zmq::const_buffer(data, size), flags).has_value() ? SendOutcome::kSent
                                                                         : SendOutcome::kWouldBlock;
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR) return SendOutcome::kWouldBlock;
    if (e.num() == EHOSTUNREACH) return SendOutcome::kUnroutable;
    throw zmqError("zmq_send", e);
  }
}

void setHeartbeat(zmq::socket_t& socket, const ZmtpHeartbeat& heartbeat) {
  socket.set(zmq::sockopt::heartbeat_ivl, static_cast<int>(heartbeat.interval.count()));
  socket.set(zmq::sockopt::heartbeat_timeout, static_cast<int>(heartbeat.timeout.count()));
  // Sent to the peer in each PING (libzmq keeps it in tenths of a second).
  socket.set(zmq::sockopt::heartbeat_ttl, static_cast<int>(heartbeat.timeout.count()));
}

bool hasMore(zmq::socket_t& socket) {
  try {
    return socket.get(zmq::sockopt::rcvmore) != 0;
  } catch (const zmq::error_t& e) {
    throw zmqError("zmq_getsockopt(ZMQ_RCVMORE)", e);
  }
}

}  // namespace cog::wire::detail
