// WorkerLink: bounded queue with no coordinator, late coordinator, heartbeats, flushing on
// close, and which frames from the coordinator count as commands.
#include "comms/wire/worker_link.hpp"

#include <gtest/gtest.h>

#include <zmq.hpp>

#include "comms/wire/codec.hpp"
#include "comms/wire/coordinator_endpoint.hpp"
#include "tests/comms/wire/wire_test_util.hpp"

namespace cog::wire {
namespace {

using std::chrono::milliseconds;
using testing::Collector;
using testing::waitFor;

WorkerLinkOptions linkOptions(const std::string& endpoint) {
  WorkerLinkOptions options;
  options.endpoint = endpoint;
  options.job = "reasoning";
  options.attempt = 1;
  options.heartbeat_interval = milliseconds(0);
  return options;
}

std::string loopback(int port) { return "tcp://127.0.0.1:" + std::to_string(port); }

TEST(WireWorkerLink, BadOptionsThrowNamingTheProblem) {
  try {
    WorkerLink link(linkOptions("not-an-endpoint"), Hello{});
    FAIL() << "connect to a malformed endpoint succeeded";
  } catch (const CommsError& e) {
    EXPECT_NE(std::string(e.what()).find("not-an-endpoint"), std::string::npos) << e.what();
  }
  WorkerLinkOptions options = linkOptions("tcp://127.0.0.1:1");
  options.queue_capacity = 0;
  EXPECT_THROW(WorkerLink(options, Hello{}), CommsError);
}

TEST(WireWorkerLink, WithoutCoordinatorTheQueueStaysBoundedAndCloseReturns) {
  const int port = testing::freeLoopbackPort();
  ASSERT_GT(port, 0);
  WorkerLinkOptions options = linkOptions(loopback(port));  // nothing listens there
  options.queue_capacity = 100;
  options.heartbeat_interval = milliseconds(5);
  WorkerLink link(options, Hello{});

  int accepted = 0;
  int refused = 0;
  for (int i = 0; i < 150; ++i) (link.post(testing::smallMetrics(i)) ? accepted : refused)++;
  // The Hello holds one of the 100 slots.
  EXPECT_EQ(accepted, 99);
  EXPECT_EQ(refused, 51);
  auto stats = link.stats();
  EXPECT_EQ(stats.queued, 100u);
  EXPECT_EQ(stats.dropped, 51u);
  EXPECT_EQ(stats.sent, 0u);

  // Generous bound: this checks close() cannot hang on an unreachable peer, not its speed.
  const auto start = std::chrono::steady_clock::now();
  link.close(milliseconds(200));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_FALSE(link.post(Event{}));
  EXPECT_EQ(link.stats().dropped, 52u);
  EXPECT_TRUE(link.failure().empty()) << link.failure();
}

TEST(WireWorkerLink, CoordinatorStartedAfterTheWorkerStillReceivesEverything) {
  const int port = testing::freeLoopbackPort();
  ASSERT_GT(port, 0);
  Hello hello;
  hello.run_dir = "/runs/reasoning/1";
  WorkerLink link(linkOptions(loopback(port)), hello);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(link.post(testing::smallMetrics(i)));
  // Let the worker fail to connect at least once before the coordinator appears.
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(link.stats().sent, 0u);

  CoordinatorEndpoint endpoint(loopback(port));
  Collector collector;
  endpoint.start(collector.handler());
  ASSERT_TRUE(waitFor([&] { return collector.size() >= 11; }))
      << "received " << collector.size() << ", worker stats sent " << link.stats().sent;
  const auto items = collector.items();
  ASSERT_TRUE(std::holds_alternative<Hello>(items[0].message));
  EXPECT_EQ(std::get<Hello>(items[0].message).run_dir, "/runs/reasoning/1");
  for (size_t i = 0; i < items.size(); ++i) EXPECT_EQ(items[i].envelope.seq, i);
  EXPECT_TRUE(waitFor([&] { return link.stats().queued == 0; }));
}

TEST(WireWorkerLink, HeartbeatsCarryTheLatestStep) {
  CoordinatorEndpoint endpoint("tcp://127.0.0.1:0");
  Collector collector;
  endpoint.start(collector.handler());
  WorkerLinkOptions options = linkOptions(endpoint.boundEndpoint());
  options.heartbeat_interval = milliseconds(10);
  WorkerLink link(options, Hello{});
  link.markProgress(42);
  auto sawStep42 = [&] {
    for (const auto& inbound : collector.items()) {
      const auto* beat = std::get_if<Heartbeat>(&inbound.message);
      if (beat != nullptr && beat->step == 42) return beat->unix_time > 1e9 && beat->progress == 1;
    }
    return false;
  };
  ASSERT_TRUE(waitFor(sawStep42));
  // Heartbeats take seq numbers like any message: still strictly increasing.
  const auto items = collector.items();
  for (size_t i = 1; i < items.size(); ++i) {
    EXPECT_EQ(items[i].envelope.seq, items[i - 1].envelope.seq + 1);
  }
}

TEST(WireWorkerLink, CloseFlushesTheFinalEvent) {
  CoordinatorEndpoint endpoint("tcp://127.0.0.1:0");
  Collector collector;
  endpoint.start(collector.handler());
  {
    WorkerLink link(linkOptions(endpoint.boundEndpoint()), Hello{});
    for (int i = 0; i < 200; ++i) ASSERT_TRUE(link.post(testing::smallMetrics(i)));
    ASSERT_TRUE(link.post(Event{200, "finished", "max_steps reached"}));
    link.close(std::chrono::seconds(10));
    EXPECT_EQ(link.stats().queued, 0u);
    EXPECT_EQ(link.stats().sent, 202u);
  }
  ASSERT_TRUE(waitFor([&] { return collector.countOf<Event>() == 1; }));
  const auto items = collector.items();
  ASSERT_EQ(items.size(), 202u);
  EXPECT_EQ(std::get<Event>(items.back().message).kind, "finished");
}

// A raw ROUTER plays the coordinator so it can send what a real one never would.
TEST(WireWorkerLink, OnlyCommandsForThisJobAndAttemptAreDelivered) {
  zmq::context_t context(1);
  zmq::socket_t router(context, zmq::socket_type::router);
  router.set(zmq::sockopt::linger, 0);
  router.set(zmq::sockopt::rcvtimeo, 10000);
  router.bind("tcp://127.0.0.1:0");
  WorkerLink link(linkOptions(router.get(zmq::sockopt::last_endpoint)), Hello{});

  zmq::message_t identity;
  zmq::message_t hello;
  ASSERT_TRUE(router.recv(identity).has_value()) << "no Hello within 10 s";
  ASSERT_TRUE(router.recv(hello).has_value());
  ASSERT_TRUE(decode(hello.data(), hello.size()).ok());

  auto sendToWorker = [&](const std::string& frame) {
    ASSERT_TRUE(router.send(zmq::buffer(identity.data(), identity.size()), zmq::send_flags::sndmore)
                    .has_value());
    ASSERT_TRUE(router.send(zmq::buffer(frame), zmq::send_flags::none).has_value());
  };
  Envelope other_job;
  other_job.job = "memory";
  other_job.attempt = 1;
  Envelope other_attempt;
  other_attempt.job = "reasoning";
  other_attempt.attempt = 2;
  Envelope mine;
  mine.job = "reasoning";
  mine.attempt = 1;
  sendToWorker(encode(other_job, Command{CommandKind::kStop, "not yours"}));
  sendToWorker(encode(other_attempt, Command{CommandKind::kStop, "old attempt"}));
  sendToWorker("garbage");
  sendToWorker(encode(mine, Heartbeat{}));  // not a command
  sendToWorker(encode(mine, Command{CommandKind::kStop, "diverged"}));

  std::optional<Command> command;
  ASSERT_TRUE(waitFor([&] { return (command = link.pollCommand()).has_value(); }));
  EXPECT_EQ(command->reason, "diverged");
  ASSERT_TRUE(waitFor([&] { return link.stats().invalid_received == 4; }));
  EXPECT_EQ(link.stats().commands_received, 1u);
  EXPECT_FALSE(link.pollCommand().has_value());
}

}  // namespace
}  // namespace cog::wire
