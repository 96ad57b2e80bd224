#include "comms/wire/worker_link.hpp"

#include <algorithm>
#include <utility>

#include "comms/wire/codec.hpp"
#include "comms/wire/zmq_io.hpp"

namespace cog::wire {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How long the I/O thread sleeps in zmq_poll when idle. It bounds how late a posted message
// or a Stop command is noticed; 2 ms costs nothing measurable on a training node.
constexpr milliseconds kPollInterval{2};
// ZeroMQ retries a lost connection after 100 ms, backing off to 2 s, so a restarted
// coordinator hears from every worker within ~2 s without a reconnect storm.
constexpr int kReconnectMs = 100;
constexpr int kReconnectMaxMs = 2000;
// Frames ZeroMQ itself may hold per connection; beyond it they stay in our own queue.
constexpr int kSendHighWaterMark = 1000;

double unixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

WorkerLink::WorkerLink(WorkerLinkOptions options, Hello hello)
    : options_(std::move(options)), context_(1), socket_(context_, zmq::socket_type::dealer) {
  if (options_.queue_capacity == 0) {
    throw CommsError(
        "WorkerLinkOptions.queue_capacity is 0: it must be at least 1 (the Hello "
        "needs a slot)");
  }
  try {
    socket_.set(zmq::sockopt::linger, 0);  // raised to the flush time left, in run()
    // Queue only on completed connections: with no coordinator, send() says EAGAIN and the
    // message stays in our bounded, counted queue instead of vanishing inside ZeroMQ.
    socket_.set(zmq::sockopt::immediate, true);
    socket_.set(zmq::sockopt::reconnect_ivl, kReconnectMs);
    socket_.set(zmq::sockopt::reconnect_ivl_max, kReconnectMaxMs);
    socket_.set(zmq::sockopt::sndhwm, kSendHighWaterMark);
    socket_.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(kMaxFrameBytes));
    detail::setHeartbeat(socket_, options_.zmtp_heartbeat);
    if (!options_.curve.server_public.empty()) {
      socket_.set(zmq::sockopt::curve_serverkey, options_.curve.server_public);
      socket_.set(zmq::sockopt::curve_publickey, options_.curve.client.public_key);
      socket_.set(zmq::sockopt::curve_secretkey, options_.curve.client.secret_key);
    }
    socket_.connect(options_.endpoint);
  } catch (const zmq::error_t& e) {
    throw detail::zmqError("cannot connect to the coordinator endpoint '" + options_.endpoint +
                               "' (expected e.g. tcp://127.0.0.1:5555)",
                           e);
  }
  queue_.push_back(std::move(hello));
  // The socket moves to the I/O thread here; thread creation is the memory barrier ZeroMQ
  // asks for when a socket changes threads.
  thread_ = std::thread([this] { run(); });
}

WorkerLink::~WorkerLink() { close(options_.linger); }

bool WorkerLink::post(Message message) {
  std::lock_guard<std::mutex> lock(queue_mutex_);
  if (closing_ || queue_.size() + in_hand_ >= options_.queue_capacity) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  queue_.push_back(std::move(message));
  return true;
}

std::optional<Command> WorkerLink::pollCommand() {
  std::lock_guard<std::mutex> lock(commands_mutex_);
  if (commands_.empty()) return std::nullopt;
  Command command = std::move(commands_.front());
  commands_.pop_front();
  return command;
}

void WorkerLink::close(milliseconds flush_timeout) {
  std::lock_guard<std::mutex> close_lock(close_mutex_);
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    closing_ = true;
    flush_deadline_ = Clock::now() + std::max(flush_timeout, milliseconds(0));
  }
  thread_.join();
  // The socket was closed by run() with a linger no longer than the flush time left, so
  // terminating the context waits at most that long.
  context_.close();
}

WorkerLink::Stats WorkerLink::stats() const {
  Stats s;
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    s.queued = queue_.size() + in_hand_;
  }
  s.sent = sent_.load(std::memory_order_relaxed);
  s.dropped = dropped_.load(std::memory_order_relaxed);
  s.commands_received = commands_received_.load(std::memory_order_relaxed);
  s.invalid_received = invalid_received_.load(std::memory_order_relaxed);
  return s;
}

std::string WorkerLink::failure() const {
  std::lock_guard<std::mutex> lock(failure_mutex_);
  return failure_;
}

Envelope WorkerLink::header() const {
  Envelope envelope;
  envelope.job = options_.job;
  envelope.attempt = options_.attempt;
  envelope.rank = options_.rank;
  envelope.seq = next_seq_;
  return envelope;
}

void WorkerLink::run() {
  std::optional<Clock::time_point> deadline;
  try {
    next_heartbeat_ = Clock::now() + options_.heartbeat_interval;
    while (true) {
      sendQueued();
      const auto now = Clock::now();
      sendHeartbeatIfDue(now);
      receiveCommands();
      {
        std::lock_guard<std::mutex> lock(queue_mutex_);
        if (closing_) {
          deadline = flush_deadline_;
          if ((queue_.empty() && in_hand_ == 0) || now >= flush_deadline_) break;
        }
      }
      detail::pollSocket(socket_, kPollInterval, pending_frame_.has_value());
    }
  } catch (const std::exception& e) {
    // The link is best effort: training continues, post() fills the queue and then drops.
    std::lock_guard<std::mutex> lock(failure_mutex_);
    failure_ = std::string("worker link I/O thread stopped: ") + e.what();
  }
  // Frames ZeroMQ accepted may still be in its pipe: let it push them until the flush
  // deadline, not longer (linger 0 when the thread failed before close()).
  milliseconds linger{0};
  if (deadline) {
    linger = std::max(milliseconds(0),
                      std::chrono::duration_cast<milliseconds>(*deadline - Clock::now()));
  }
  try {
    socket_.set(zmq::sockopt::linger, static_cast<int>(linger.count()));
  } catch (const zmq::error_t&) {
    // Keep linger 0 from the constructor: close() must not hang.
  }
  socket_.close();
}

void WorkerLink::sendQueued() {
  while (true) {
    if (!pending_frame_) {
      Message message;
      {
        std::lock_guard<std::mutex> lock(queue_mutex_);
        if (queue_.empty()) return;
        message = std::move(queue_.front());
        queue_.pop_front();
        in_hand_ = 1;
      }
      pending_frame_ = encode(header(), message);
    }
    if (!sendFrame(*pending_frame_)) return;  // no peer or ZeroMQ's queue full: retry later
    pending_frame_.reset();
    std::lock_guard<std::mutex> lock(queue_mutex_);
    in_hand_ = 0;
  }
}

void WorkerLink::sendHeartbeatIfDue(Clock::time_point now) {
  if (options_.heartbeat_interval.count() <= 0 || now < next_heartbeat_) return;
  next_heartbeat_ = now + options_.heartbeat_interval;
  // Behind a refused frame a heartbeat would be refused too; and a heartbeat is worthless
  // later, so it is never queued.
  if (pending_frame_) return;
  sendFrame(encode(header(), Heartbeat{step_.load(std::memory_order_relaxed), progress_.load(std::memory_order_relaxed), unixNow()}));
}

bool WorkerLink::sendFrame(const std::string& frame) {
  if (detail::trySend(socket_, frame.data(), frame.size(), false) != detail::SendOutcome::kSent) {
    return false;
  }
  ++next_seq_;
  sent_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void WorkerLink::receiveCommands() {
  zmq::message_t frame;
  while (detail::tryReceive(socket_, frame)) {
    if (detail::hasMore(socket_)) {  // one frame per message: drop the rest of this one
      while (detail::hasMore(socket_) && detail::tryReceive(socket_, frame)) {
      }
      invalid_received_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    DecodeResult result = decode(frame.data(), frame.size());
    auto* command = result.ok() ? std::get_if<Command>(&result.decoded->message) : nullptr;
    if (command == nullptr || result.decoded->envelope.job != options_.job ||
        result.decoded->envelope.attempt != options_.attempt) {
      invalid_received_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(commands_mutex_);
      commands_.push_back(std::move(*command));
    }
    commands_received_.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace cog::wire
