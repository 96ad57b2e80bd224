#include "comms/wire/coordinator_endpoint.hpp"

#include <cstring>

#include "comms/wire/codec.hpp"
#include "comms/wire/zmq_io.hpp"

namespace cog::wire {
namespace {

using Clock = std::chrono::steady_clock;

// Longest sleep in zmq_poll when nothing arrives: bounds how late a queued command leaves.
constexpr std::chrono::milliseconds kPollInterval{2};
// Per-connection inbound queue inside ZeroMQ. When it is full the worker's DEALER refuses
// sends and the messages wait in the worker's own queue, so nothing is lost silently.
constexpr int kReceiveHighWaterMark = 100000;
// On shutdown ZeroMQ may take this long to push out commands already accepted (a final
// Stop), so the destructor never waits longer.
constexpr int kLingerMs = 500;
// The batch window is checked every this many messages (reading the clock per message
// would cost more than the check saves).
constexpr size_t kClockCheckEvery = 64;

double unixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

CoordinatorEndpoint::CoordinatorEndpoint(std::string bind_endpoint, std::optional<CurveKeyPair> curve,
                                         ConnectionPolicy policy)
    : curve_(curve.has_value()),
      context_(1),
      gate_(policy.max_connections),
      zap_(context_, gate_, curve_),
      socket_(context_, zmq::socket_type::router) {
  if (policy.max_connections < 1) {
    throw CommsError("CoordinatorEndpoint: max_connections is " + std::to_string(policy.max_connections) +
                     "; it must be at least 1");
  }
  monitor_ = std::make_unique<ConnectionMonitor>(context_, socket_, gate_);
  try {
    if (curve) {
      socket_.set(zmq::sockopt::curve_server, true);
      socket_.set(zmq::sockopt::curve_secretkey, curve->secret_key);
    }
    // Plain clients are put to the ZAP handler too (libzmq asks it only when a domain is
    // set): it is where the connection cap is enforced.
    socket_.set(zmq::sockopt::zap_domain, kZapDomain);
    socket_.set(zmq::sockopt::handshake_ivl, static_cast<int>(policy.handshake_timeout.count()));
    socket_.set(zmq::sockopt::linger, kLingerMs);
    // Sending to an identity that has gone away fails (counted) instead of vanishing.
    socket_.set(zmq::sockopt::router_mandatory, true);
    socket_.set(zmq::sockopt::rcvhwm, kReceiveHighWaterMark);
    socket_.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(kMaxFrameBytes));
    detail::setHeartbeat(socket_, policy.heartbeat);
    socket_.bind(bind_endpoint);
    bound_endpoint_ = socket_.get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    ConnectionMonitor::stopWatching(socket_);  // while the monitor still reads its events
    throw detail::zmqError("cannot bind the coordinator endpoint '" + bind_endpoint +
                               "' (is the port in use, or the address not local?)",
                           e);
  }
}

CoordinatorEndpoint::~CoordinatorEndpoint() { stop(); }

void CoordinatorEndpoint::start(BatchHandler on_batch, size_t max_in_flight) {
  std::lock_guard<std::mutex> lock(lifecycle_mutex_);
  if (!on_batch) throw CommsError("CoordinatorEndpoint::start needs a batch handler");
  if (on_batch_ || stop_requested_) {
    throw CommsError("CoordinatorEndpoint on " + bound_endpoint_ +
                     " was already started; create a new endpoint to start again");
  }
  on_batch_ = std::move(on_batch);
  max_in_flight_ = max_in_flight;
  // The socket moves to the receive thread; thread creation is the memory barrier ZeroMQ
  // asks for when a socket changes threads.
  thread_ = std::thread([this] { run(); });
}

void CoordinatorEndpoint::stop() {
  std::lock_guard<std::mutex> lock(lifecycle_mutex_);
  stop_requested_ = true;
  if (thread_.joinable()) {
    thread_.join();  // it closed the socket
  } else if (!socket_closed_) {
    closeSocket();  // never started: the socket is still this side's
  }
  socket_closed_ = true;
}

void CoordinatorEndpoint::closeSocket() {
  ConnectionMonitor::stopWatching(socket_);
  socket_.close();  // lingers up to kLingerMs for commands already queued
}

void CoordinatorEndpoint::admit(const std::string& client_public, const std::string& job, int32_t attempt) {
  if (curve_) zap_.admit(client_public, curveUserId(job, attempt));
}

void CoordinatorEndpoint::revoke(const std::string& client_public) {
  if (curve_) zap_.revoke(client_public);
}

void CoordinatorEndpoint::openRoute(const std::string& job, int32_t attempt) {
  std::lock_guard<std::mutex> lock(routes_mutex_);
  routes_.try_emplace(JobKey{job, attempt});
}

void CoordinatorEndpoint::closeRoute(const std::string& job, int32_t attempt) {
  std::lock_guard<std::mutex> lock(routes_mutex_);
  routes_.erase(JobKey{job, attempt});
}

bool CoordinatorEndpoint::sendCommand(const std::string& job, int32_t attempt,
                                      const Command& command) {
  JobKey key{job, attempt};
  {
    std::lock_guard<std::mutex> lock(routes_mutex_);
    const auto it = routes_.find(key);
    if (it == routes_.end() || it->second.empty()) return false;
  }
  Envelope header;
  header.job = job;
  header.attempt = attempt;
  header.rank = 0;
  header.seq = command_seq_.fetch_add(1, std::memory_order_relaxed);
  std::string frame = encode(header, command);
  std::lock_guard<std::mutex> lock(outgoing_mutex_);
  outgoing_.push_back({std::move(key), std::move(frame)});
  return true;
}

CoordinatorEndpoint::Counters CoordinatorEndpoint::counters() const {
  Counters c;
  c.received = received_.load(std::memory_order_relaxed);
  c.malformed = malformed_.load(std::memory_order_relaxed);
  c.bad_magic = bad_magic_.load(std::memory_order_relaxed);
  c.unknown_version = unknown_version_.load(std::memory_order_relaxed);
  c.unknown_kind = unknown_kind_.load(std::memory_order_relaxed);
  c.commands_sent = commands_sent_.load(std::memory_order_relaxed);
  c.commands_failed = commands_failed_.load(std::memory_order_relaxed);
  c.handler_errors = handler_errors_.load(std::memory_order_relaxed);
  c.unauthenticated = unauthenticated_.load(std::memory_order_relaxed) + zap_.unknownKeys();
  c.connections = static_cast<uint64_t>(gate_.open());
  c.max_connections = static_cast<uint64_t>(gate_.max());
  c.connections_refused = gate_.refused();
  c.in_flight = in_flight_.load(std::memory_order_relaxed);
  c.held_back = held_back_.load(std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(routes_mutex_);
    c.routes = routes_.size();
  }
  return c;
}

std::string CoordinatorEndpoint::failure() const {
  std::lock_guard<std::mutex> lock(failure_mutex_);
  return failure_;
}

void CoordinatorEndpoint::run() {
  std::vector<Inbound> batch;
  bool backlog = false;  // the last batch stopped at its size limit: more is waiting
  try {
    while (!stop_requested_.load(std::memory_order_relaxed)) {
      sendCommands();
      if (max_in_flight_ > 0 && in_flight_.load(std::memory_order_relaxed) >= max_in_flight_) {
        held_back_.fetch_add(1, std::memory_order_relaxed);
        std::this_thread::sleep_for(kPollInterval);
        continue;
      }
      if (!backlog) detail::pollSocket(socket_, kPollInterval, false);
      backlog = receiveBatch(batch) >= kMaxBatch;
      if (batch.empty()) continue;
      if (max_in_flight_ > 0) in_flight_.fetch_add(batch.size(), std::memory_order_relaxed);
      try {
        on_batch_(std::move(batch));
      } catch (const std::exception&) {
        // The handler belongs to the coordinator; its failure must not end ingest.
        handler_errors_.fetch_add(1, std::memory_order_relaxed);
      }
      batch = std::vector<Inbound>();
    }
  } catch (const std::exception& e) {
    std::lock_guard<std::mutex> lock(failure_mutex_);
    failure_ = std::string("coordinator endpoint receive thread stopped: ") + e.what();
  }
  closeSocket();  // on this thread, which owns it
}

size_t CoordinatorEndpoint::receiveBatch(std::vector<Inbound>& batch) {
  const auto window_end = Clock::now() + kBatchWindow;
  size_t frames = 0;
  zmq::message_t identity;
  zmq::message_t frame;
  while (frames < kMaxBatch) {
    if (!detail::tryReceive(socket_, identity)) break;
    ++frames;
    // A ROUTER message is [identity][frame]; a Cog sender sends exactly one frame.
    const bool has_frame = detail::hasMore(socket_) && detail::tryReceive(socket_, frame);
    if (!has_frame || detail::hasMore(socket_)) {
      while (detail::hasMore(socket_) && detail::tryReceive(socket_, frame)) {
      }
      malformed_.fetch_add(1, std::memory_order_relaxed);
    } else {
      accept(identity, frame, batch);
    }
    if (frames % kClockCheckEvery == 0 && Clock::now() >= window_end) break;
  }
  return frames;
}

void CoordinatorEndpoint::accept(const zmq::message_t& identity, const zmq::message_t& frame,
                                 std::vector<Inbound>& batch) {
  DecodeResult result = decode(frame.data(), frame.size());
  if (!result.ok()) {
    switch (result.error) {
      case DecodeError::kTruncated:
      case DecodeError::kMalformed:
      case DecodeError::kOverLimit:
        malformed_.fetch_add(1, std::memory_order_relaxed);
        break;
      case DecodeError::kBadMagic:
        bad_magic_.fetch_add(1, std::memory_order_relaxed);
        break;
      case DecodeError::kUnknownVersion:
        unknown_version_.fetch_add(1, std::memory_order_relaxed);
        break;
      case DecodeError::kUnknownKind:
        unknown_kind_.fetch_add(1, std::memory_order_relaxed);
        break;
    }
    return;
  }
  Envelope& envelope = result.decoded->envelope;
  if (curve_) {
    // The key's attempt (the ZAP handler's User-Id) must be the one the message speaks for.
    const char* user = nullptr;
    try {
      user = const_cast<zmq::message_t&>(frame).gets("User-Id");
    } catch (const zmq::error_t&) {
    }
    if (user == nullptr || curveUserId(envelope.job, envelope.attempt) != user) {
      unauthenticated_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
  if (envelope.rank == 0) {
    // Remember the newest connection of an open attempt's rank 0: after a reconnect the
    // worker has a new identity and commands must follow it.
    std::lock_guard<std::mutex> lock(routes_mutex_);
    const auto it = routes_.find(JobKey{envelope.job, envelope.attempt});
    if (it != routes_.end() && (it->second.size() != identity.size() ||
                                std::memcmp(it->second.data(), identity.data(), identity.size()) != 0)) {
      it->second.assign(static_cast<const char*>(identity.data()), identity.size());
    }
  }
  batch.push_back(Inbound{std::move(envelope), std::move(result.decoded->message), unixNow()});
  received_.fetch_add(1, std::memory_order_relaxed);
}

void CoordinatorEndpoint::sendCommands() {
  std::vector<OutgoingCommand> outgoing;
  {
    std::lock_guard<std::mutex> lock(outgoing_mutex_);
    if (outgoing_.empty()) return;
    outgoing.swap(outgoing_);
  }
  for (const auto& command : outgoing) {
    std::string id;
    {
      std::lock_guard<std::mutex> lock(routes_mutex_);
      const auto it = routes_.find(command.key);
      if (it != routes_.end()) id = it->second;
    }
    if (id.empty()) {  // closed since it was queued: its processes are gone
      commands_failed_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    bool sent = detail::trySend(socket_, id.data(), id.size(), true) == detail::SendOutcome::kSent;
    sent = sent && detail::trySend(socket_, command.frame.data(), command.frame.size(), false) ==
                       detail::SendOutcome::kSent;
    (sent ? commands_sent_ : commands_failed_).fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace cog::wire
