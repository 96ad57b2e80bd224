// The CURVE-authenticated wire over loopback: only admitted attempt keys connect, and a key
// speaks only for its own attempt; key files are private.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <filesystem>

#include "comms/wire/coordinator_endpoint.hpp"
#include "comms/wire/curve_keys.hpp"
#include "comms/wire/worker_link.hpp"
#include "tests/comms/wire/wire_test_util.hpp"

namespace cog::wire {
namespace {

using testing::Collector;
using testing::waitFor;

WorkerLinkOptions linkOptions(const std::string& endpoint, const std::string& job, int attempt, WorkerCurveKeys keys) {
  WorkerLinkOptions options;
  options.endpoint = endpoint;
  options.job = job;
  options.attempt = attempt;
  options.heartbeat_interval = std::chrono::milliseconds(0);
  options.linger = std::chrono::milliseconds(0);
  options.curve = std::move(keys);
  return options;
}

size_t eventsOf(const Collector& collector, const std::string& job, int attempt) {
  size_t n = 0;
  for (const auto& in : collector.items()) {
    n += in.envelope.job == job && in.envelope.attempt == attempt && std::holds_alternative<Event>(in.message);
  }
  return n;
}

class WireCurve : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!curveAvailable()) GTEST_SKIP() << "this libzmq has no CURVE (built without libsodium)";
    server_ = makeCurveKeyPair();
    endpoint_ = std::make_unique<CoordinatorEndpoint>("tcp://127.0.0.1:0", server_);
    endpoint_->start(collector_.handler());
  }
  WorkerCurveKeys admitted(const std::string& job, int attempt) {
    WorkerCurveKeys keys{server_.public_key, makeCurveKeyPair()};
    endpoint_->admit(keys.client.public_key, job, attempt);
    return keys;
  }

  CurveKeyPair server_;
  Collector collector_;
  std::unique_ptr<CoordinatorEndpoint> endpoint_;
};

TEST_F(WireCurve, AnAdmittedAttemptKeyIsHeard) {
  WorkerLink link(linkOptions(endpoint_->boundEndpoint(), "reasoning", 1, admitted("reasoning", 1)), Hello{});
  ASSERT_TRUE(link.post(Event{1, "stage_change", "1 -> 2"}));
  ASSERT_TRUE(waitFor([&] { return eventsOf(collector_, "reasoning", 1) == 1; }));
  EXPECT_EQ(endpoint_->counters().unauthenticated, 0u);
}

// A plain client, and a CURVE client whose key the coordinator never admitted, post a NaN
// report and a fake checkpoint: none of it arrives; the second is counted.
TEST_F(WireCurve, StrangersAreNotHeard) {
  WorkerLink honest(linkOptions(endpoint_->boundEndpoint(), "reasoning", 1, admitted("reasoning", 1)), Hello{});
  WorkerLink plain(linkOptions(endpoint_->boundEndpoint(), "reasoning", 1, {}), Hello{});
  WorkerLink unknown(linkOptions(endpoint_->boundEndpoint(), "reasoning", 1, {server_.public_key, makeCurveKeyPair()}),
                     Hello{});
  for (WorkerLink* rogue : {&plain, &unknown}) {
    Metrics nan;
    nan.step = 10;
    nan.scalars = {{"loss", std::nan("")}};
    rogue->post(nan);
    rogue->post(CheckpointSaved{10, "best", "/tmp/evil", 0.1, true});
  }
  ASSERT_TRUE(waitFor([&] { return endpoint_->counters().unauthenticated >= 1; })) << "the unknown key was refused";
  ASSERT_TRUE(honest.post(Event{1, "marker", ""}));
  ASSERT_TRUE(waitFor([&] { return eventsOf(collector_, "reasoning", 1) == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  for (const auto& in : collector_.items()) {
    EXPECT_FALSE(std::holds_alternative<Metrics>(in.message)) << "a stranger's report arrived";
    EXPECT_FALSE(std::holds_alternative<CheckpointSaved>(in.message)) << "a stranger's checkpoint arrived";
  }
}

// Attempt 1's key claims to be attempt 2 (say, to take over its commands' route or post
// its metrics): dropped and counted; attempt 2's own messages arrive, and its commands go to
// attempt 2 alone.
TEST_F(WireCurve, AKeySpeaksOnlyForItsOwnAttempt) {
  endpoint_->openRoute("reasoning", 1);
  endpoint_->openRoute("reasoning", 2);
  const WorkerCurveKeys first = admitted("reasoning", 1);
  WorkerLink impostor(linkOptions(endpoint_->boundEndpoint(), "reasoning", 2, first), Hello{});
  ASSERT_TRUE(impostor.post(Event{1, "forged", ""}));
  ASSERT_TRUE(waitFor([&] { return endpoint_->counters().unauthenticated >= 2; })) << "its Hello and Event";
  EXPECT_FALSE(endpoint_->sendCommand("reasoning", 2, Command{CommandKind::kStop, ""}))
      << "the impostor's messages made no route to it";
  WorkerLink second(linkOptions(endpoint_->boundEndpoint(), "reasoning", 2, admitted("reasoning", 2)), Hello{});
  ASSERT_TRUE(second.post(Event{1, "real", ""}));
  ASSERT_TRUE(waitFor([&] { return eventsOf(collector_, "reasoning", 2) == 1; }));
  for (const auto& in : collector_.items()) {
    if (const auto* e = std::get_if<Event>(&in.message)) EXPECT_NE(e->kind, "forged");
  }
  ASSERT_TRUE(endpoint_->sendCommand("reasoning", 2, Command{CommandKind::kStop, "real"}));
  std::optional<Command> command;
  ASSERT_TRUE(waitFor([&] { return (command = second.pollCommand()).has_value(); }));
  EXPECT_EQ(command->reason, "real");
  EXPECT_FALSE(impostor.pollCommand().has_value());
  EXPECT_FALSE(endpoint_->sendCommand("reasoning", 1, Command{CommandKind::kStop, ""}))
      << "attempt 1 was never heard from";
}

TEST_F(WireCurve, ARevokedKeyNoLongerConnects) {
  const WorkerCurveKeys keys = admitted("memory", 3);
  endpoint_->revoke(keys.client.public_key);
  WorkerLink link(linkOptions(endpoint_->boundEndpoint(), "memory", 3, keys), Hello{});
  link.post(Event{1, "late", ""});
  ASSERT_TRUE(waitFor([&] { return endpoint_->counters().unauthenticated >= 1; }));
  EXPECT_EQ(eventsOf(collector_, "memory", 3), 0u);
}

TEST(WireCurveKeys, FilesAreWrittenPrivateAndReadBack) {
  if (!curveAvailable()) GTEST_SKIP() << "this libzmq has no CURVE (built without libsodium)";
  const auto dir = std::filesystem::temp_directory_path() / ("cog-curve-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const CurveKeyPair server = readOrCreateServerKeys(dir / "server.key");
  EXPECT_EQ(readOrCreateServerKeys(dir / "server.key").secret_key, server.secret_key) << "kept, not remade";
  const WorkerCurveKeys keys{server.public_key, makeCurveKeyPair()};
  writeWorkerCurveKeys(dir / "attempt-1" / "curve.key", keys);
  for (const auto& f : {dir / "server.key", dir / "attempt-1" / "curve.key"}) {
    struct stat st {};
    ASSERT_EQ(::stat(f.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << f;
  }
  const WorkerCurveKeys back = readWorkerCurveKeys(dir / "attempt-1" / "curve.key");
  EXPECT_EQ(back.server_public, keys.server_public);
  EXPECT_EQ(back.client.secret_key, keys.client.secret_key);
  std::filesystem::resize_file(dir / "attempt-1" / "curve.key", 20);
  try {
    readWorkerCurveKeys(dir / "attempt-1" / "curve.key");
    ADD_FAILURE() << "a cut key file was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("curve.key"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cog::wire
