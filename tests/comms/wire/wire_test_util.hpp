#pragma once
// Helpers shared by the cog_wire tests: awkward sample messages, field-by-field comparison
// (doubles compared bit for bit so NaN payloads count), a bounded wait, a batch collector
// and a free loopback port.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "comms/wire/coordinator_endpoint.hpp"
#include "comms/wire/messages.hpp"

namespace cog::wire::testing {

inline bool sameBits(double a, double b) { return std::memcmp(&a, &b, sizeof(double)) == 0; }

inline void expectSame(const Scalars& a, const Scalars& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].first, b[i].first) << "scalar " << i;
    EXPECT_TRUE(sameBits(a[i].second, b[i].second))
        << "scalar " << a[i].first << ": " << a[i].second << " vs " << b[i].second;
  }
}

inline void expectSame(const Envelope& a, const Envelope& b) {
  EXPECT_EQ(a.magic, b.magic);
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.job, b.job);
  EXPECT_EQ(a.attempt, b.attempt);
  EXPECT_EQ(a.rank, b.rank);
  EXPECT_EQ(a.seq, b.seq);
}

inline void expectSame(const Hello& a, const Hello& b) {
  EXPECT_EQ(a.pid, b.pid);
  EXPECT_EQ(a.host, b.host);
  EXPECT_EQ(a.world_size, b.world_size);
  EXPECT_EQ(a.run_dir, b.run_dir);
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.start_step, b.start_step);
  expectSame(a.hyperparameters, b.hyperparameters);
}
inline void expectSame(const Heartbeat& a, const Heartbeat& b) {
  EXPECT_EQ(a.step, b.step);
  EXPECT_EQ(a.progress, b.progress);
  EXPECT_TRUE(sameBits(a.unix_time, b.unix_time));
}
inline void expectSame(const Metrics& a, const Metrics& b) {
  EXPECT_EQ(a.step, b.step);
  EXPECT_EQ(a.epoch, b.epoch);
  EXPECT_EQ(a.step_in_epoch, b.step_in_epoch);
  EXPECT_EQ(a.steps_in_epoch, b.steps_in_epoch);
  EXPECT_TRUE(sameBits(a.eta_seconds, b.eta_seconds));
  expectSame(a.scalars, b.scalars);
}
inline void expectSame(const Validation& a, const Validation& b) {
  EXPECT_EQ(a.step, b.step);
  EXPECT_EQ(a.epoch, b.epoch);
  expectSame(a.scalars, b.scalars);
  expectSame(a.per_source, b.per_source);
  ASSERT_EQ(a.samples.size(), b.samples.size());
  for (size_t i = 0; i < a.samples.size(); ++i) {
    EXPECT_EQ(a.samples[i].source, b.samples[i].source);
    EXPECT_EQ(a.samples[i].prompt, b.samples[i].prompt);
    EXPECT_EQ(a.samples[i].generated, b.samples[i].generated);
    EXPECT_EQ(a.samples[i].expected, b.samples[i].expected);
    EXPECT_EQ(a.samples[i].correct, b.samples[i].correct);
  }
}
inline void expectSame(const Event& a, const Event& b) {
  EXPECT_EQ(a.step, b.step);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.detail, b.detail);
}
inline void expectSame(const Command& a, const Command& b) {
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.reason, b.reason);
}
inline void expectSame(const CheckpointSaved& a, const CheckpointSaved& b) {
  EXPECT_EQ(a.step, b.step);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.path, b.path);
  EXPECT_TRUE(sameBits(a.val_loss, b.val_loss));
  EXPECT_EQ(a.healthy, b.healthy);
}
inline void expectSame(const RunFinished& a, const RunFinished& b) {
  EXPECT_EQ(a.step, b.step);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.detail, b.detail);
}
inline void expectSame(const Message& a, const Message& b) {
  ASSERT_EQ(a.index(), b.index()) << kindName(kindOf(a)) << " vs " << kindName(kindOf(b));
  std::visit([&](const auto& x) { expectSame(x, std::get<std::decay_t<decltype(x)>>(b)); }, a);
}

// One of every kind, with the contents most likely to break a codec: empty and non-ASCII
// strings, embedded NULs, NaN/inf/denormal/negative-zero scalars, extreme integers.
inline std::vector<Message> awkwardMessages() {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::string unicode = "Grüße, 世界 🚀 — λ=0.05";
  const std::string with_nul("a\0b\0", 4);
  Scalars odd = {{"loss", nan},
                 {"grad_norm", inf},
                 {"neg", -inf},
                 {"", 0.0},
                 {"minus_zero", -0.0},
                 {unicode, 1e-310},
                 {"max", std::numeric_limits<double>::max()},
                 {with_nul, -1.5}};
  Hello hello{std::numeric_limits<int64_t>::max(), unicode, 64, "", "0.1.0+dirty", 0, odd};
  Heartbeat heartbeat{std::numeric_limits<int64_t>::min(), std::numeric_limits<uint64_t>::max(), 1.7e9 + 0.123456};
  Metrics metrics{12345, 7, 0, 0, nan, odd};
  Validation validation{99, 3, odd, {{"gsm8k", 2.5}, {"svamp", inf}}, {}};
  validation.samples.push_back({"gsm8k", "Q: 2+2? A:", "::::::", "4", false});
  validation.samples.push_back({"", "", "", "", true});
  validation.samples.push_back({unicode, with_nul, std::string(5000, 'x'), unicode, true});
  Event event{-1, "finished", ""};
  Command command{CommandKind::kCheckpointNow, unicode};
  CheckpointSaved saved{std::numeric_limits<int64_t>::max(), "epoch-0003", unicode, nan, false};
  RunFinished finished{-5, RunEnd::kFailed, with_nul};
  return {hello, heartbeat, metrics, validation, event, command, saved, finished};
}

inline Metrics smallMetrics(int64_t step) {
  return Metrics{step,
                 step / 100,
                 step % 100,
                 100,
                 12.5,
                 {{"loss", 2.0 + 1.0 / static_cast<double>(step + 1)},
                  {"grad_norm", 0.7},
                  {"lr_muon", 0.02},
                  {"lr_fallback", 3e-4},
                  {"tokens_per_s", 51234.0}}};
}

// Polls `done` every millisecond until it is true or `timeout` passes; returns its value.
template <typename Predicate>
bool waitFor(Predicate done, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= end) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// Collects every batch an endpoint delivers; safe to read from the test thread.
class Collector {
 public:
  CoordinatorEndpoint::BatchHandler handler() {
    return [this](std::vector<CoordinatorEndpoint::Inbound>&& batch) {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto& inbound : batch) items_.push_back(std::move(inbound));
      ++batches_;
    };
  }
  size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return items_.size();
  }
  std::vector<CoordinatorEndpoint::Inbound> items() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return items_;
  }
  template <typename T>
  size_t countOf() const {
    std::lock_guard<std::mutex> lock(mutex_);
    size_t n = 0;
    for (const auto& inbound : items_) n += std::holds_alternative<T>(inbound.message) ? 1 : 0;
    return n;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<CoordinatorEndpoint::Inbound> items_;
  size_t batches_ = 0;
};

// A loopback TCP port that was free a moment ago (the kernel picks it; we release it).
inline int freeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

}  // namespace cog::wire::testing
