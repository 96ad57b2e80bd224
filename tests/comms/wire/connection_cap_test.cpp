// coordinator.max_connections: the ROUTER counts its connections (socket monitor), and the
// ZAP handler refuses handshakes beyond the cap, on a plain wire and with CURVE; a refused
// worker gets in once a place is free.
#include <gtest/gtest.h>

#include "comms/wire/connection_gate.hpp"
#include "comms/wire/coordinator_endpoint.hpp"
#include "comms/wire/worker_link.hpp"
#include "tests/comms/wire/wire_test_util.hpp"

namespace cog::wire {
namespace {

using std::chrono::milliseconds;
using testing::Collector;
using testing::waitFor;

TEST(WireConnectionGate, AdmitsUpToTheCapCountingTheAskerAndCountsRefusals) {
  ConnectionGate gate(2);
  gate.accepted();
  EXPECT_TRUE(gate.admit());
  gate.accepted();
  EXPECT_TRUE(gate.admit()) << "two open, the asker included: at the cap, not past it";
  gate.accepted();
  EXPECT_FALSE(gate.admit());
  EXPECT_EQ(gate.refused(), 1u);
  gate.closed();  // the refused one goes
  gate.closed();  // and one of the others
  EXPECT_EQ(gate.open(), 1);
  gate.accepted();
  EXPECT_TRUE(gate.admit());
  EXPECT_EQ(gate.refused(), 1u);
}

WorkerLinkOptions linkOptions(const std::string& endpoint, const std::string& job, WorkerCurveKeys keys = {}) {
  WorkerLinkOptions options;
  options.endpoint = endpoint;
  options.job = job;
  options.attempt = 1;
  options.heartbeat_interval = milliseconds(0);
  options.linger = milliseconds(0);
  options.curve = std::move(keys);
  return options;
}

size_t helloesFrom(const Collector& collector, const std::string& job) {
  size_t n = 0;
  for (const auto& in : collector.items()) n += in.envelope.job == job && std::holds_alternative<Hello>(in.message);
  return n;
}

class WireConnectionCap : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam() && !curveAvailable()) GTEST_SKIP() << "this libzmq has no CURVE (built without libsodium)";
    ConnectionPolicy policy;
    policy.max_connections = 2;
    policy.handshake_timeout = milliseconds(500);  // how long CURVE keeps a refused client
    if (GetParam()) server_ = makeCurveKeyPair();
    endpoint_ = std::make_unique<CoordinatorEndpoint>("tcp://127.0.0.1:0",
                                                      GetParam() ? std::optional(server_) : std::nullopt, policy);
    endpoint_->start(collector_.handler());
  }
  std::unique_ptr<WorkerLink> link(const std::string& job) {
    WorkerCurveKeys keys;
    if (GetParam()) {
      keys = {server_.public_key, makeCurveKeyPair()};
      endpoint_->admit(keys.client.public_key, job, 1);
    }
    return std::make_unique<WorkerLink>(linkOptions(endpoint_->boundEndpoint(), job, keys), Hello{});
  }

  CurveKeyPair server_;
  Collector collector_;
  std::unique_ptr<CoordinatorEndpoint> endpoint_;
};

TEST_P(WireConnectionCap, TheThirdConnectionWaitsForAFreePlace) {
  EXPECT_EQ(endpoint_->counters().max_connections, 2u);
  auto a = link("a");
  auto b = link("b");
  ASSERT_TRUE(waitFor([&] { return helloesFrom(collector_, "a") == 1 && helloesFrom(collector_, "b") == 1; }));
  EXPECT_EQ(endpoint_->counters().connections, 2u);
  auto c = link("c");
  ASSERT_TRUE(waitFor([&] { return endpoint_->counters().connections_refused >= 1; })) << "the third was let in";
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(helloesFrom(collector_, "c"), 0u) << "nothing of the refused connection arrived";
  EXPECT_EQ(endpoint_->counters().unauthenticated, 0u) << "a refusal for room is not one for the key";

  a.reset();  // a place frees; c's DEALER keeps dialling (every 100 ms to 2 s) and gets it
  ASSERT_TRUE(waitFor([&] { return helloesFrom(collector_, "c") == 1; }, std::chrono::seconds(15)));
  ASSERT_TRUE(waitFor([&] { return endpoint_->counters().connections == 2; }));
  b.reset();
  c.reset();
  EXPECT_TRUE(waitFor([&] { return endpoint_->counters().connections == 0; })) << "every close was counted";
}

INSTANTIATE_TEST_SUITE_P(PlainAndCurve, WireConnectionCap, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Curve" : "Plain"; });

// With CURVE a stranger is refused for its key before the cap is consulted: strangers do not
// use up the count of refusals for room, and are counted as unauthenticated instead.
TEST(WireConnectionCapCurve, StrangersAreRefusedForTheirKeyNotForRoom) {
  if (!curveAvailable()) GTEST_SKIP() << "this libzmq has no CURVE (built without libsodium)";
  const CurveKeyPair server = makeCurveKeyPair();
  ConnectionPolicy policy;
  policy.max_connections = 1;
  CoordinatorEndpoint endpoint("tcp://127.0.0.1:0", server, policy);
  Collector collector;
  endpoint.start(collector.handler());
  WorkerLink stranger(linkOptions(endpoint.boundEndpoint(), "x", {server.public_key, makeCurveKeyPair()}), Hello{});
  ASSERT_TRUE(waitFor([&] { return endpoint.counters().unauthenticated >= 1; }));
  EXPECT_EQ(endpoint.counters().connections_refused, 0u);
}

}  // namespace
}  // namespace cog::wire
