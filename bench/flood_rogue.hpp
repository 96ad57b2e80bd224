#pragma once
// The rogue client of bench/wire_flood: plain ZeroMQ DEALERs on the coordinator's wire port,
// sending as fast as ZeroMQ takes frames (never blocking: a frame ZeroMQ refuses is counted
// and dropped, as a flooder would).
#include <chrono>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "comms/wire/codec.hpp"

namespace cog::bench {

struct RogueResult {
  uint64_t sent = 0;     // taken by ZeroMQ
  uint64_t refused = 0;  // ZeroMQ's queue was full (the coordinator pushed back)
  double bytes = 0;
};

using Clock = std::chrono::steady_clock;

// A Cog frame of exactly `bytes` (an Event whose text is far over the decoder's 1 MiB string
// cap): it crosses ZeroMQ whole, up to the 16 MiB frame cap, and the decoder must refuse it.
inline std::string bigFrame(size_t bytes) {
  wire::Envelope header;
  header.job = "rogue";
  const size_t empty = wire::encode(header, wire::Event{0, "flood", ""}).size();
  return wire::encode(header, wire::Event{0, "flood", std::string(bytes > empty ? bytes - empty : 0, 'x')});
}

// Frames of `frame` for `seconds`, sent without copying (the buffer is shared).
inline RogueResult floodBig(const std::string& endpoint, const std::string& frame, double seconds) {
  std::vector<char> buffer(frame.begin(), frame.end());  // outlives the context below
  RogueResult r;
  {
    zmq::context_t context(1);
    zmq::socket_t dealer(context, zmq::socket_type::dealer);
    dealer.set(zmq::sockopt::linger, 0);
    dealer.set(zmq::sockopt::sndhwm, 2);  // what it counts as sent is then (nearly) on its way
    dealer.connect(endpoint);
    const auto end = Clock::now() + std::chrono::duration<double>(seconds);
    while (Clock::now() < end) {
      zmq::message_t message(buffer.data(), buffer.size(), [](void*, void*) {}, nullptr);
      if (dealer.send(message, zmq::send_flags::dontwait)) {
        r.sent += 1;
        r.bytes += static_cast<double>(buffer.size());
      } else {
        r.refused += 1;
        zmq::pollitem_t item{dealer.handle(), 0, ZMQ_POLLOUT, 0};
        zmq::poll(&item, 1, std::chrono::milliseconds(10));
      }
    }
  }
  return r;
}

// `rate` small valid frames a second (Heartbeats of a job the experiment does not have:
// decoded, handed over and ignored, so they cross the whole ingest path) for `seconds`.
inline RogueResult floodTiny(const std::string& endpoint, int rate, double seconds) {
  wire::Envelope header;
  header.job = "rogue";
  header.attempt = 1;
  const std::string frame = wire::encode(header, wire::Heartbeat{1, 1, 0.0});
  RogueResult r;
  zmq::context_t context(1);
  zmq::socket_t dealer(context, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.set(zmq::sockopt::sndhwm, 100000);
  dealer.connect(endpoint);
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  for (auto now = start; now < end; now = Clock::now()) {
    const auto due = static_cast<uint64_t>(std::chrono::duration<double>(now - start).count() * rate);
    while (r.sent + r.refused < due) {
      if (dealer.send(zmq::buffer(frame), zmq::send_flags::dontwait)) {
        r.sent += 1;
        r.bytes += static_cast<double>(frame.size());
      } else {
        r.refused += 1;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return r;
}

// `count` DEALERs that dial in and stay for `seconds` (a refused one redials every 100 ms, as
// ZeroMQ does). Each sends one frame as soon as its connection is made (ZMQ_IMMEDIATE: not
// before), so `sent` counts the connections that got through. `during` runs every 100 ms.
template <typename Callback>
RogueResult holdConnections(const std::string& endpoint, int count, double seconds, Callback during) {
  zmq::context_t context(1);
  context.set(zmq::ctxopt::max_sockets, count + 16);
  std::vector<zmq::socket_t> sockets;
  std::vector<bool> through(static_cast<size_t>(count), false);
  for (int i = 0; i < count; ++i) {
    sockets.emplace_back(context, zmq::socket_type::dealer);
    sockets.back().set(zmq::sockopt::linger, 0);
    sockets.back().set(zmq::sockopt::immediate, true);
    sockets.back().connect(endpoint);
  }
  wire::Envelope header;
  header.job = "rogue";
  const std::string frame = wire::encode(header, wire::Heartbeat{1, 1, 0.0});
  RogueResult r;
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    for (size_t i = 0; i < sockets.size(); ++i) {
      if (!through[i] && sockets[i].send(zmq::buffer(frame), zmq::send_flags::dontwait)) {
        through[i] = true;
        r.sent += 1;
      }
    }
    during();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return r;
}

}  // namespace cog::bench
