#pragma once
// Rank 0's connection to the coordinator: a ZeroMQ DEALER driven by one I/O thread.
//
// Threads: post(), setStep(), pollCommand(), stats() may be called from any thread and never
// wait on the network. Only the I/O thread touches the socket (ZeroMQ sockets are not
// thread-safe). The training thread hands messages over through a bounded queue; when the
// coordinator is away the queue fills, then post() drops and counts, and training goes on.
//
// Protocol: Hello first, then the posted messages in order, plus a Heartbeat every
// heartbeat_interval; each frame gets the next seq when ZeroMQ accepts it, so seq increases
// in arrival order. Commands from the coordinator are queued for pollCommand().
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <zmq.hpp>

#include "common/error.hpp"
#include "comms/wire/curve_keys.hpp"
#include "comms/wire/messages.hpp"
#include "comms/wire/zmtp_heartbeat.hpp"

namespace cog::wire {

struct WorkerLinkOptions {
  std::string endpoint;  // the coordinator's ROUTER, e.g. "tcp://127.0.0.1:5555"
  std::string job;
  int32_t attempt = 0;
  int32_t rank = 0;
  size_t queue_capacity = 10000;  // messages waiting for the network, Hello included
  std::chrono::milliseconds heartbeat_interval{1000};  // Cog Heartbeat messages; 0: none
  // ZeroMQ's own PING/PONG, which drops a dead coordinator's connection so that the link
  // dials again (zmtp_heartbeat.hpp); tests shorten it.
  ZmtpHeartbeat zmtp_heartbeat = kZmtpHeartbeat;
  std::chrono::milliseconds linger{1000};  // how long the destructor tries to flush the queue
  // CURVE: the coordinator's public key and this attempt's key pair (from COG_CURVE_FILE);
  // empty server_public = a plain connection (coordinator.curve: off).
  WorkerCurveKeys curve;
};

class WorkerLink {
 public:
  struct Stats {
    size_t queued = 0;     // waiting now (not yet accepted by ZeroMQ)
    uint64_t sent = 0;     // accepted by ZeroMQ, Hello and heartbeats included
    uint64_t dropped = 0;  // post() calls refused: queue full or link closed
    uint64_t commands_received = 0;
    uint64_t invalid_received = 0;  // frames from the coordinator that were not our Commands
  };

  // Connects (ZeroMQ keeps reconnecting by itself) and queues `hello` as the first message.
  // Throws CommsError when the endpoint is not a valid ZeroMQ address.
  WorkerLink(WorkerLinkOptions options, Hello hello);
  ~WorkerLink();  // close(options.linger)
  WorkerLink(const WorkerLink&) = delete;
  WorkerLink& operator=(const WorkerLink&) = delete;

  // Queues a message without waiting; false (and counted as dropped) when the queue is full
  // or the link is closed.
  bool post(Message message);
  // The training thread completed a unit of work (a step, a validation batch, a checkpoint)
  // at optimizer step `step`: the next heartbeats report the step and one more unit, which
  // is how the coordinator tells a live trainer from a hung one whose I/O thread still beats.
  void markProgress(int64_t step) {
    step_.store(step, std::memory_order_relaxed);
    progress_.fetch_add(1, std::memory_order_relaxed);
  }
  // The oldest Command not yet taken, if any. Non-blocking.
  std::optional<Command> pollCommand();

  // Tries for up to `flush_timeout` to hand everything queued to ZeroMQ and out of the
  // process (so a final "finished" Event gets out), then stops the I/O thread. Returns within
  // about flush_timeout even when the coordinator is gone. Idempotent.
  void close(std::chrono::milliseconds flush_timeout);

  Stats stats() const;
  // Empty unless the I/O thread stopped on a ZeroMQ error; then that error's message.
  std::string failure() const;

 private:
  void run();
  void sendQueued();
  void sendHeartbeatIfDue(std::chrono::steady_clock::time_point now);
  void receiveCommands();
  bool sendFrame(const std::string& frame);
  Envelope header() const;

  const WorkerLinkOptions options_;
  zmq::context_t context_;
  zmq::socket_t socket_;  // owned by the I/O thread once it runs

  mutable std::mutex queue_mutex_;
  std::deque<Message> queue_;
  size_t in_hand_ = 0;    // 1 while the I/O thread holds a popped message it could not send
  bool closing_ = false;  // guarded by queue_mutex_
  std::chrono::steady_clock::time_point flush_deadline_;  // guarded by queue_mutex_

  std::mutex commands_mutex_;
  std::deque<Command> commands_;

  // I/O-thread-only state.
  std::optional<std::string> pending_frame_;  // popped and encoded, but ZeroMQ refused it
  uint64_t next_seq_ = 0;
  std::chrono::steady_clock::time_point next_heartbeat_;

  std::atomic<int64_t> step_{0};
  std::atomic<uint64_t> progress_{0};
  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> commands_received_{0};
  std::atomic<uint64_t> invalid_received_{0};
  mutable std::mutex failure_mutex_;
  std::string failure_;

  std::mutex close_mutex_;  // serialises close() callers
  std::thread thread_;
};

}  // namespace cog::wire
