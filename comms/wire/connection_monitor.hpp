#pragma once
// Counts a ROUTER's TCP connections into a ConnectionGate, from ZeroMQ's socket monitor
// (zmq_socket_monitor: ACCEPTED and DISCONNECTED events over an inproc PAIR), on its own
// thread so that counting never waits on the receive loop.
//
// Shutdown order matters: libzmq sends events with a blocking send, so the socket's owner
// calls stopWatching() on the socket (its own thread) before closing it, and only then is
// the monitor destroyed.
#include <atomic>
#include <string>
#include <thread>
#include <zmq.hpp>

#include "comms/wire/connection_gate.hpp"

namespace cog::wire {

class ConnectionMonitor {
 public:
  // Starts watching `socket` (before it binds, on the thread that owns it).
  ConnectionMonitor(zmq::context_t& context, zmq::socket_t& socket, ConnectionGate& gate);
  ~ConnectionMonitor();  // joins the thread
  ConnectionMonitor(const ConnectionMonitor&) = delete;
  ConnectionMonitor& operator=(const ConnectionMonitor&) = delete;

  // Ends the monitoring of `socket`: call it on the socket's thread before closing it.
  static void stopWatching(zmq::socket_t& socket);

 private:
  void run();
  bool readEvent();  // false once the monitoring stopped

  ConnectionGate& gate_;
  zmq::socket_t events_;  // PAIR, owned by the thread once it runs
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace cog::wire
