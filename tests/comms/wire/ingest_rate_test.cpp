// Rough ingest-rate measurements, disabled by default (they measure, they do not check a
// rate: the machine may be shared). Run with
//   cog_wire_tests --gtest_also_run_disabled_tests --gtest_filter='WireIngestRate.*'
// The numbers are printed; the only assertion is that every message arrived.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <zmq.hpp>

#include "comms/wire/codec.hpp"
#include "comms/wire/coordinator_endpoint.hpp"
#include "comms/wire/worker_link.hpp"
#include "tests/comms/wire/wire_test_util.hpp"

namespace cog::wire {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Endpoint alone: raw DEALERs push pre-encoded small Metrics frames as fast as ZeroMQ takes
// them, so the figure is what the ROUTER thread (receive + decode + batch) sustains.
TEST(WireIngestRate, DISABLED_EndpointFromRawDealers) {
  constexpr int kSenders = 4;
  constexpr int kPerSender = 250000;
  CoordinatorEndpoint endpoint("tcp://127.0.0.1:0");
  std::atomic<size_t> received{0};
  std::atomic<size_t> batches{0};
  endpoint.start([&](std::vector<CoordinatorEndpoint::Inbound>&& batch) {
    received += batch.size();
    ++batches;
  });
  zmq::context_t context(2);
  std::vector<std::thread> senders;
  const auto start = Clock::now();
  for (int s = 0; s < kSenders; ++s) {
    senders.emplace_back([&, s] {
      zmq::socket_t dealer(context, zmq::socket_type::dealer);
      dealer.set(zmq::sockopt::linger, 1000);
      dealer.connect(endpoint.boundEndpoint());
      Envelope header;
      header.job = "job" + std::to_string(s);
      const std::string frame = encode(header, testing::smallMetrics(1000));
      for (int i = 0; i < kPerSender; ++i) dealer.send(zmq::buffer(frame), zmq::send_flags::none);
    });
  }
  for (auto& t : senders) t.join();
  const size_t total = static_cast<size_t>(kSenders) * kPerSender;
  ASSERT_TRUE(
      testing::waitFor([&] { return received.load() >= total; }, std::chrono::seconds(120)));
  const double seconds = secondsSince(start);
  const size_t frame_bytes = encode(Envelope{}, testing::smallMetrics(1000)).size();
  std::printf(
      "[ingest] %d raw DEALERs, %zu Metrics of ~%zu bytes in %.3f s: %.0f msg/s, "
      "%.1f msgs/batch\n",
      kSenders, total, frame_bytes, seconds, total / seconds,
      static_cast<double>(total) / static_cast<double>(batches.load()));
  EXPECT_EQ(endpoint.counters().received, total);
}

// End to end: WorkerLinks posting from "training threads" to one endpoint.
TEST(WireIngestRate, DISABLED_EndToEndFromWorkerLinks) {
  constexpr int kLinks = 4;
  constexpr int kPerLink = 100000;
  CoordinatorEndpoint endpoint("tcp://127.0.0.1:0");
  std::atomic<size_t> received{0};
  endpoint.start(
      [&](std::vector<CoordinatorEndpoint::Inbound>&& batch) { received += batch.size(); });
  std::vector<std::thread> posters;
  std::atomic<size_t> dropped{0};
  const auto start = Clock::now();
  for (int l = 0; l < kLinks; ++l) {
    posters.emplace_back([&, l] {
      WorkerLinkOptions options;
      options.endpoint = endpoint.boundEndpoint();
      options.job = "job" + std::to_string(l);
      options.queue_capacity = 1000;
      WorkerLink link(options, Hello{});
      for (int i = 0; i < kPerLink; ++i) {
        // A trainer would drop instead; here we retry so every message is counted.
        while (!link.post(testing::smallMetrics(i))) std::this_thread::yield();
      }
      link.close(std::chrono::seconds(60));
      dropped += link.stats().dropped;
    });
  }
  for (auto& t : posters) t.join();
  const size_t total = static_cast<size_t>(kLinks) * (kPerLink + 1);  // + Hello each
  ASSERT_TRUE(
      testing::waitFor([&] { return received.load() >= total; }, std::chrono::seconds(120)));
  const double seconds = secondsSince(start);
  std::printf(
      "[ingest] %d WorkerLinks, %zu messages in %.3f s: %.0f msg/s (posts refused while the queue "
      "was full: %zu, retried)\n",
      kLinks, total, seconds, total / seconds, dropped.load());
}

}  // namespace
}  // namespace cog::wire
