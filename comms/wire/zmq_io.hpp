#pragma once
// The ZeroMQ calls the wire loops make, in one place. cppzmq reports failures as
// zmq::error_t; here EINTR (a signal such as the coordinator's SIGCHLD) and EAGAIN mean
// "nothing happened, try on the next turn", and every other error becomes a CommsError that
// names the operation and zmq's own message (the one checker for libzmq, STYLE.md rule 5).
// Internal to cog_wire: callers use WorkerLink and CoordinatorEndpoint.
#include <chrono>
#include <string>
#include <zmq.hpp>

#include "common/error.hpp"
#include "comms/wire/zmtp_heartbeat.hpp"

namespace cog::wire::detail {

CommsError zmqError(const std::string& what, const zmq::error_t& error);

// Waits up to `timeout` for the socket to become readable (and writable, if `want_out`).
// Returns the ZMQ_POLLIN/ZMQ_POLLOUT bits that are ready; 0 on timeout or EINTR.
short pollSocket(zmq::socket_t& socket, std::chrono::milliseconds timeout, bool want_out);

// Receives one frame without waiting; false when none is ready.
bool tryReceive(zmq::socket_t& socket, zmq::message_t& frame);

enum class SendOutcome { kSent, kWouldBlock, kUnroutable };

// Sends one frame without waiting. kWouldBlock: no peer or its queue is full (keep the
// frame); kUnroutable: a ROUTER_MANDATORY socket does not know the identity.
SendOutcome trySend(zmq::socket_t& socket, const void* data, size_t size, bool more);

// Sets ZMQ_HEARTBEAT_IVL, _TIMEOUT and _TTL (before connect/bind; they apply to new connections).
void setHeartbeat(zmq::socket_t& socket, const ZmtpHeartbeat& heartbeat);

// True while the frame last received has more parts (used to drain odd multipart input).
bool hasMore(zmq::socket_t& socket);

}  // namespace cog::wire::detail
