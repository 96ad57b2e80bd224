// ZeroMQ's own heartbeats on both ends of the wire: a peer that stays connected but silent
// (as one whose host died does) loses its connection after the ZMTP heartbeat timeout, and
// a worker then dials the coordinator again.
#include <gtest/gtest.h>

#include "comms/wire/coordinator_endpoint.hpp"
#include "comms/wire/worker_link.hpp"
#include "tests/comms/wire/raw_zmtp_peer.hpp"
#include "tests/comms/wire/wire_test_util.hpp"

namespace cog::wire {
namespace {

using std::chrono::milliseconds;
using testing::RawZmtpPeer;

constexpr ZmtpHeartbeat kShort{milliseconds(100), milliseconds(300)};

int portOf(const std::string& endpoint) { return std::stoi(endpoint.substr(endpoint.rfind(':') + 1)); }

TEST(WireZmtpHeartbeat, TheCoordinatorClosesASilentPeersConnection) {
  ConnectionPolicy policy;
  policy.heartbeat = kShort;
  CoordinatorEndpoint endpoint("tcp://127.0.0.1:0", std::nullopt, policy);
  testing::Collector collector;
  endpoint.start(collector.handler());
  RawZmtpPeer peer;
  ASSERT_TRUE(peer.connect(portOf(endpoint.boundEndpoint())));
  ASSERT_TRUE(peer.handshake("DEALER", milliseconds(2000))) << "the ROUTER completed the handshake";
  // Interval + timeout is 0.4 s; the margin is for a loaded test machine.
  EXPECT_TRUE(peer.waitUntilClosed(milliseconds(5000))) << "the silent peer was never dropped";
}

TEST(WireZmtpHeartbeat, WithTheDefaultsASilentPeerStaysConnectedForAWhile) {
  CoordinatorEndpoint endpoint("tcp://127.0.0.1:0");
  testing::Collector collector;
  endpoint.start(collector.handler());
  RawZmtpPeer peer;
  ASSERT_TRUE(peer.connect(portOf(endpoint.boundEndpoint())));
  ASSERT_TRUE(peer.handshake("DEALER", milliseconds(2000)));
  EXPECT_FALSE(peer.waitUntilClosed(milliseconds(500))) << "the default timeout is seconds, not milliseconds";
}

// The "coordinator" completes the handshake and then never answers: the worker's link gives
// the connection up and dials again, as it would to reach a restarted coordinator.
TEST(WireZmtpHeartbeat, AWorkerRedialsACoordinatorThatFellSilent) {
  testing::RawListener listener;
  ASSERT_GT(listener.port(), 0);
  WorkerLinkOptions options;
  options.endpoint = "tcp://127.0.0.1:" + std::to_string(listener.port());
  options.job = "reasoning";
  options.attempt = 1;
  options.heartbeat_interval = milliseconds(0);
  options.linger = milliseconds(0);
  options.zmtp_heartbeat = kShort;
  WorkerLink link(options, Hello{});
  RawZmtpPeer first = listener.accept(milliseconds(5000));
  ASSERT_TRUE(first.open());
  ASSERT_TRUE(first.handshake("ROUTER", milliseconds(2000)));
  EXPECT_TRUE(first.waitUntilClosed(milliseconds(5000))) << "the worker kept a dead connection";
  RawZmtpPeer second = listener.accept(milliseconds(5000));
  EXPECT_TRUE(second.open()) << "the worker did not dial again";
}

}  // namespace
}  // namespace cog::wire
