#pragma once
// How many connections the coordinator's ROUTER holds, and whether one more may finish its
// handshake (coordinator.max_connections). Every connection costs the coordinator a file
// descriptor, ZeroMQ's buffers and queues (up to its receive high-water mark of messages):
// a cap bounds that however many clients dial in.
//
// Fed from two threads: the connection monitor counts TCP connections accepted and closed
// (a handshake refused, a peer gone, a heartbeat timeout); the ZAP handler asks admit() at
// each handshake. Connections still in their handshake count too, which is what bounds
// descriptors, and why ZeroMQ's handshake timeout matters (coordinator_endpoint.cpp).
//
// The count is exact once both threads have caught up; a burst of handshakes racing their
// own accept events may see it a few low, so the cap can be passed by that many for a moment.
// Connections are counted from accept, so while more clients than the cap keep dialling (a
// flood, or a fleet larger than the cap) admission is not first come, first served: whoever
// finishes a handshake while fewer than max are held gets in, the rest dial again. libzmq's
// monitor events name no connection at their handshake's end, so counting only admitted ones
// is not possible from them. Hence the cap must stay well above the attempts that run at once
// (the experiment config requires at least `slots`).
#include <atomic>
#include <cstdint>

namespace cog::wire {

// 1024: far above one connection per running attempt (only rank 0 dials in), below the
// descriptors a default `ulimit -n` leaves once the store, logs and HTTP clients have theirs.
inline constexpr int kDefaultMaxConnections = 1024;

class ConnectionGate {
 public:
  explicit ConnectionGate(int max_connections) : max_(max_connections) {}

  void accepted() { open_.fetch_add(1, std::memory_order_relaxed); }
  void closed() { open_.fetch_sub(1, std::memory_order_relaxed); }

  // A connection (already counted as open) wants to finish its handshake: yes while no more
  // than max are open; a refusal is counted.
  bool admit();

  int64_t open() const;  // TCP connections now, handshaking or established
  uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }
  int max() const { return max_; }

 private:
  const int max_;
  std::atomic<int64_t> open_{0};
  std::atomic<uint64_t> refused_{0};
};

}  // namespace cog::wire
