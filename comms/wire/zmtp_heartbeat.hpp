#pragma once
// ZeroMQ's own keep-alive (ZMTP 3.1 PING/PONG, handled by libzmq's I/O threads) on both ends of
// the wire, so that a peer that vanished without closing its TCP connection (a node that lost
// power, a dropped NAT entry, a SIGSTOPped process) is noticed by ZeroMQ itself: the
// coordinator's ROUTER frees the connection, its queued messages and its slot under
// coordinator.max_connections; a worker's DEALER drops a dead coordinator's connection and
// dials again, reaching a `cogcoord resume` on the same port.
//
// These are transport timeouts, not the job's health rule: the supervisor still decides a
// worker is lost after policies.restart.heartbeat_timeout_s (30 s by default) without a Cog
// Heartbeat message.
#include <chrono>

namespace cog::wire {

struct ZmtpHeartbeat {
  std::chrono::milliseconds interval;  // a PING when nothing else was sent for this long
  std::chrono::milliseconds timeout;   // no traffic at all for this long: the connection is closed
};

// 5 s / 15 s: three PINGs may go unanswered (a loaded node can stall its I/O thread for a few
// seconds) before the connection is given up, and a dead worker's connection is gone, and a
// reconnect begun (ZeroMQ retries within 2 s), well inside the supervisor's 30 s. A PING costs
// a few bytes per connection every 5 s. The timeout is also sent to the peer as its TTL, so
// either end times out a silent other even if only one of them has this setting.
inline constexpr ZmtpHeartbeat kZmtpHeartbeat{std::chrono::seconds(5), std::chrono::seconds(15)};

}  // namespace cog::wire
