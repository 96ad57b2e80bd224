// CoordinatorEndpoint over real loopback TCP: binding, ordered delivery from a WorkerLink,
// commands back, and hostile input from a raw DEALER.
#include "comms/wire/coordinator_endpoint.hpp"

#include <gtest/gtest.h>

#include <zmq.hpp>

#include "comms/wire/codec.hpp"
#include "comms/wire/worker_link.hpp"
#include "tests/comms/wire/wire_test_util.hpp"

namespace cog::wire {
namespace {

using testing::Collector;
using testing::waitFor;

WorkerLinkOptions linkOptions(const std::string& endpoint, const std::string& job, int attempt) {
  WorkerLinkOptions options;
  options.endpoint = endpoint;
  options.job = job;
  options.attempt = attempt;
  options.heartbeat_interval = std::chrono::milliseconds(0);  // only what the test posts
  return options;
}

TEST(WireCoordinatorEndpoint, BindsAnyPortAndReportsIt) {
  CoordinatorEndpoint endpoint("tcp://127.0.0.1:0");
  const std::string bound = endpoint.boundEndpoint();
  EXPECT_EQ(bound.rfind("tcp://127.0.0.1:", 0), 0u) << bound;
  EXPECT_NE(bound, "tcp://127.0.0.1:0");
}

TEST(WireCoordinatorEndpoint, BindFailureNamesTheEndpoint) {
  CoordinatorEndpoint first("tcp://127.0.0.1:0");
  try {
    CoordinatorEndpoint second(first.boundEndpoint());
    FAIL() << "second bind to " << first.boundEndpoint() << " succeeded";
  } catch (const CommsError& e) {
    EXPECT_NE(std::string(e.what()).find(first.boundEndpoint()), std::string::npos) << e.what();
  }
  EXPECT_THROW(CoordinatorEndpoint("nonsense://here"), CommsError);
}

TEST(WireCoordinatorEndpoint, StartTwiceOrWithoutHandlerThrows) {
  CoordinatorEndpoint endpoint("tcp://127.0.0.1:0");
  EXPECT_THROW(endpoint.start(nullptr), CommsError);
  Collector collector;
  endpoint.start(collector.handler());
  EXPECT_THROW(endpoint.start(collector.handler()), CommsError);
  endpoint.stop();
  endpoint.stop();  // idempotent
}

TEST(WireCoordinatorEndpoint, ThousandMetricsArriveInOrderAndACommandGoesBack) {
  CoordinatorEndpoint endpoint("tcp://127.0.0.1:0");
  Collector collector;
  endpoint.start(collector.handler());
  endpoint.openRoute("speed", 2);
  EXPECT_FALSE(endpoint.sendCommand("speed", 2, Command{}));  // never heard from

  Hello hello;
  hello.host = "node-1";
  hello.world_size = 4;
  WorkerLink link(linkOptions(endpoint.boundEndpoint(), "speed", 2), hello);
  constexpr int kCount = 1000;
  for (int i = 0; i < kCount; ++i) ASSERT_TRUE(link.post(testing::smallMetrics(i)));
  ASSERT_TRUE(waitFor([&] { return collector.size() >= kCount + 1; }))
      << "received " << collector.size() << "; link sent " << link.stats().sent;

  const auto items = collector.items();
  ASSERT_EQ(items.size(), static_cast<size_t>(kCount + 1));
  ASSERT_TRUE(std::holds_alternative<Hello>(items[0].message));
  EXPECT_EQ(std::get<Hello>(items[0].message).host, "node-1");
  for (size_t i = 0; i < items.size(); ++i) {
    const Envelope& envelope = items[i].envelope;
    EXPECT_EQ(envelope.seq, i);
    EXPECT_EQ(envelope.job, "speed");
    EXPECT_EQ(envelope.attempt, 2);
    EXPECT_GT(items[i].received_at, 1e9);
    if (i > 0) {
      ASSERT_TRUE(std::holds_alternative<Metrics>(items[i].message));
      testing::expectSame(items[i].message, Message(testing::smallMetrics(i - 1)));
    }
  }

  EXPECT_FALSE(endpoint.sendCommand("speed", 3, Command{}));  // other attempt: unknown
  ASSERT_TRUE(endpoint.sendCommand("speed", 2, Command{CommandKind::kStop, "plateau"}));
  std::optional<Command> command;
  ASSERT_TRUE(waitFor([&] { return (command = link.pollCommand()).has_value(); }));
  EXPECT_EQ(command->kind, CommandKind::kStop);
  EXPECT_EQ(command->reason, "plateau");
  EXPECT_FALSE(link.pollCommand().has_value());

  // The endpoint counts a command after ZeroMQ took it, which may be after the worker has it.
  ASSERT_TRUE(waitFor([&] { return endpoint.counters().commands_sent == 1; }));
  const auto counters = endpoint.counters();
  EXPECT_EQ(counters.received, static_cast<uint64_t>(kCount + 1));
  EXPECT_EQ(counters.malformed + counters.bad_magic + counters.unknown_kind, 0u);
  EXPECT_EQ(link.stats().commands_received, 1u);
  EXPECT_TRUE(endpoint.failure().empty());
}

TEST(WireCoordinatorEndpoint, CommandsReachTheRightJobAmongSeveral) {
  CoordinatorEndpoint endpoint("tcp://127.0.0.1:0");
  Collector collector;
  endpoint.start(collector.handler());
  endpoint.openRoute("reasoning", 0);
  endpoint.openRoute("memory", 0);
  WorkerLink a(linkOptions(endpoint.boundEndpoint(), "reasoning", 0), Hello{});
  WorkerLink b(linkOptions(endpoint.boundEndpoint(), "memory", 0), Hello{});
  ASSERT_TRUE(waitFor([&] { return collector.size() >= 2; }));
  ASSERT_TRUE(endpoint.sendCommand("memory", 0, Command{CommandKind::kCheckpointNow, "now"}));
  std::optional<Command> got;
  ASSERT_TRUE(waitFor([&] { return (got = b.pollCommand()).has_value(); }));
  EXPECT_EQ(got->kind, CommandKind::kCheckpointNow);
  EXPECT_FALSE(a.pollCommand().has_value());
}

// Attempt after attempt of one job (restarts, relaunches) and of many (sweep trials): each
// route goes when its attempt is closed, so the table ends as empty as it began, and what an
// ended attempt still sends makes no new route.
TEST(WireCoordinatorEndpoint, ClosedAttemptsLeaveNoRoutes) {
  CoordinatorEndpoint endpoint("tcp://127.0.0.1:0");
  Collector collector;
  endpoint.start(collector.handler());
  constexpr int kAttempts = 40;
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    const std::string job = attempt % 2 == 0 ? "reasoning" : "trial-" + std::to_string(attempt);
    endpoint.openRoute(job, attempt);
    WorkerLink link(linkOptions(endpoint.boundEndpoint(), job, attempt), Hello{});
    ASSERT_TRUE(waitFor([&] { return endpoint.sendCommand(job, attempt, Command{CommandKind::kStop, "end"}); }))
        << job << "#" << attempt << ": no route once heard from";
    std::optional<Command> command;
    ASSERT_TRUE(waitFor([&] { return (command = link.pollCommand()).has_value(); }));
    EXPECT_EQ(endpoint.counters().routes, 1u);
    endpoint.closeRoute(job, attempt);
    EXPECT_FALSE(endpoint.sendCommand(job, attempt, Command{})) << "a closed attempt is not told anything";
    const size_t before = collector.size();
    ASSERT_TRUE(link.post(Event{1, "late", ""}));  // still connected: its last words arrive...
    ASSERT_TRUE(waitFor([&] { return collector.size() > before; }));
    EXPECT_EQ(endpoint.counters().routes, 0u) << "...but make no route";
  }
  EXPECT_FALSE(endpoint.sendCommand("reasoning", 2, Command{}));
  EXPECT_EQ(endpoint.counters().commands_failed, 0u);
}

// A raw DEALER (not a WorkerLink) sends every kind of bad frame between valid ones.
TEST(WireCoordinatorEndpoint, GarbageIsCountedByReasonWhileValidFramesStillArrive) {
  CoordinatorEndpoint endpoint("tcp://127.0.0.1:0");
  Collector collector;
  endpoint.start(collector.handler());

  zmq::context_t context(1);
  zmq::socket_t dealer(context, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.connect(endpoint.boundEndpoint());

  Envelope header;
  header.job = "raw";
  const std::string valid = encode(header, testing::smallMetrics(1));
  std::string bad_magic = valid;
  bad_magic[1] ^= 0x55;
  std::string bad_version = valid;
  bad_version[5] = 9;
  std::string bad_kind = valid;
  bad_kind[7] = 42;
  const std::string truncated = valid.substr(0, valid.size() - 3);

  auto send = [&](const std::string& frame) {
    ASSERT_TRUE(dealer.send(zmq::buffer(frame), zmq::send_flags::none).has_value());
  };
  send(valid);
  send(bad_magic);
  send(std::string());  // empty frame
  send(truncated);
  send(bad_version);
  send(valid);
  send(bad_kind);
  send(std::string("\x01WGOC\x02\x00\x03junk", 12));  // right prefix (version 2), then cut short
  // A two-frame message: one Cog message is one frame, so it is malformed as a whole.
  ASSERT_TRUE(dealer.send(zmq::buffer(valid), zmq::send_flags::sndmore).has_value());
  send(valid);
  send(valid);

  ASSERT_TRUE(waitFor([&] { return collector.size() >= 3; }));
  ASSERT_TRUE(waitFor([&] {
    const auto c = endpoint.counters();
    return c.malformed + c.bad_magic + c.unknown_version + c.unknown_kind >= 7;
  }));
  const auto c = endpoint.counters();
  EXPECT_EQ(c.received, 3u);
  EXPECT_EQ(c.bad_magic, 1u);
  EXPECT_EQ(c.unknown_version, 1u);
  EXPECT_EQ(c.unknown_kind, 1u);
  EXPECT_EQ(c.malformed, 4u);  // empty, truncated, cut short, two-frame message
  EXPECT_EQ(collector.size(), 3u);
  EXPECT_TRUE(endpoint.failure().empty());
}

TEST(WireCoordinatorEndpoint, HandlerExceptionIsCountedAndIngestGoesOn) {
  CoordinatorEndpoint endpoint("tcp://127.0.0.1:0");
  std::atomic<int> calls{0};
  std::atomic<size_t> delivered{0};
  endpoint.start([&](std::vector<CoordinatorEndpoint::Inbound>&& batch) {
    delivered += batch.size();
    if (calls.fetch_add(1) == 0) throw std::runtime_error("store is full");
  });
  WorkerLink link(linkOptions(endpoint.boundEndpoint(), "j", 0), Hello{});
  ASSERT_TRUE(waitFor([&] { return delivered.load() >= 1; }));
  ASSERT_TRUE(waitFor([&] { return endpoint.counters().handler_errors == 1; }));
  ASSERT_TRUE(link.post(Event{1, "finished", ""}));
  ASSERT_TRUE(waitFor([&] { return delivered.load() >= 2; }));
  EXPECT_EQ(endpoint.counters().handler_errors, 1u);
}

// A flood the handler's side does not keep up with: the receive thread stops reading at
// max_in_flight (plus at most one batch) and goes on once the messages are ingested().
TEST(WireCoordinatorEndpoint, StopsReadingWhileTooManyMessagesAreInFlight) {
  constexpr size_t kLimit = 100;
  constexpr size_t kSent = 2000;
  CoordinatorEndpoint endpoint("tcp://127.0.0.1:0");
  std::atomic<size_t> delivered{0};
  endpoint.start([&](std::vector<CoordinatorEndpoint::Inbound>&& batch) { delivered += batch.size(); }, kLimit);

  zmq::context_t context(1);
  zmq::socket_t dealer(context, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.set(zmq::sockopt::sndhwm, 0);  // the test's sender queues everything
  dealer.connect(endpoint.boundEndpoint());
  Envelope header;
  header.job = "flood";
  const std::string frame = encode(header, testing::smallMetrics(1));
  for (size_t i = 0; i < kSent; ++i) ASSERT_TRUE(dealer.send(zmq::buffer(frame), zmq::send_flags::none).has_value());

  ASSERT_TRUE(waitFor([&] { return endpoint.counters().held_back > 0; })) << "it never held back";
  const size_t held_at = delivered.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(delivered.load(), held_at) << "nothing more is read while held back";
  EXPECT_GE(held_at, kLimit);
  EXPECT_LT(held_at, kLimit + CoordinatorEndpoint::kMaxBatch);
  EXPECT_EQ(endpoint.counters().in_flight, held_at);

  // The handler's side catches up, bit by bit: every message arrives.
  ASSERT_TRUE(waitFor([&] {
    const size_t in_flight = endpoint.counters().in_flight;
    if (in_flight > 0) endpoint.ingested(in_flight);
    return delivered.load() == kSent && endpoint.counters().in_flight == 0;
  })) << delivered.load() << " of " << kSent;
}

}  // namespace
}  // namespace cog::wire
