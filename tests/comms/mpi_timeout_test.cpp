// Every wait ends: a peer that does not show up within the timeout, or an abort raised from
// another thread (the SIGTERM path), turns a pending wait into a CommsError. Run under
// mpirun -np 2. Rank 1 plays the late peer and joins afterwards, so the two ranks are in
// step again for the next test.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "common/error.hpp"
#include "comms/collective.hpp"
#include "tests/comms/collective_test_util.hpp"

namespace cog::comms {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kLateBy{1500};
constexpr milliseconds kSlack{500};

long long msSince(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
}

void expectContains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "'" << part << "' not in: " << text;
}

// Rank 1: the late peer. It performs `count` allreduces after kLateBy, completing the
// operations rank 0 gave up on; then both ranks meet on a fresh collective.
void playLatePeer(Collective& collective, int count) {
  std::this_thread::sleep_for(kLateBy);
  for (int i = 0; i < count; ++i) {
    auto tensor = torch::ones({1024});
    collective.allreduce(tensor, ReduceOp::kSum);
  }
}

void resynchronise() {
  makeCollective(CollectiveOptions{}, test::worldRankInfo(), torch::kCPU)->barrier();
}

TEST(CommsMpiTimeout, AllreduceTimesOutWhenAPeerIsLate) {
  CollectiveOptions options;
  options.timeout = milliseconds(500);
  auto collective = makeCollective(options, test::worldRankInfo(), torch::kCPU);
  ASSERT_EQ(collective->size(), 2);
  if (collective->rank() == 1) {
    playLatePeer(*collective, 1);
  } else {
    auto tensor = torch::ones({1024});  // 4096 bytes
    const auto start = Clock::now();
    try {
      collective->allreduce(tensor, ReduceOp::kSum);
      ADD_FAILURE() << "allreduce returned although rank 1 never joined in time";
    } catch (const CommsError& error) {
      const auto waited = msSince(start);
      EXPECT_GE(waited, 500);
      EXPECT_LT(waited, 500 + kSlack.count());
      expectContains(error.what(), "allreduce of 4096 bytes on rank 0/2 timed out after 500 ms");
    }
    // After a failure the ranks are out of step: later operations refuse to start.
    try {
      collective->barrier();
      ADD_FAILURE() << "barrier ran on a failed collective";
    } catch (const CommsError& error) {
      expectContains(error.what(), "unusable after an earlier failure");
    }
  }
  resynchronise();
}

TEST(CommsMpiTimeout, AbortRaisedFromAnotherThreadEndsAPendingWait) {
  std::atomic<bool> abort_requested{false};
  CollectiveOptions options;  // the 30 s timeout is not what ends this wait
  options.abort_requested = &abort_requested;
  options.abort_grace = milliseconds(0);
  auto collective = makeCollective(options, test::worldRankInfo(), torch::kCPU);
  ASSERT_EQ(collective->size(), 2);
  if (collective->rank() == 1) {
    playLatePeer(*collective, 1);
  } else {
    constexpr milliseconds kAbortAfter{200};
    std::thread raiser([&] {
      std::this_thread::sleep_for(kAbortAfter);
      abort_requested = true;
    });
    auto tensor = torch::ones({1024});
    const auto start = Clock::now();
    try {
      collective->allreduce(tensor, ReduceOp::kAvg);
      ADD_FAILURE() << "allreduce returned although rank 1 never joined in time";
    } catch (const CommsError& error) {
      const auto waited = msSince(start);
      EXPECT_GE(waited, kAbortAfter.count() - 5);
      EXPECT_LT(waited, kAbortAfter.count() + kSlack.count());
      expectContains(error.what(), "allreduce of 4096 bytes on rank 0/2 aborted after");
    }
    raiser.join();
  }
  resynchronise();
}

// A SIGTERM that reached every rank is a graceful stop: the collective in flight still
// completes when the late peer arrives within the abort grace.
TEST(CommsMpiTimeout, AbortWithinTheGraceLetsALivePeerFinishTheCollective) {
  std::atomic<bool> abort_requested{false};
  CollectiveOptions options;
  options.abort_requested = &abort_requested;
  options.abort_grace = milliseconds(5000);
  auto collective = makeCollective(options, test::worldRankInfo(), torch::kCPU);
  if (collective->rank() == 1) {
    playLatePeer(*collective, 1);
  } else {
    abort_requested = true;  // raised before the wait even starts
    auto tensor = torch::ones({1024});
    EXPECT_NO_THROW(collective->allreduce(tensor, ReduceOp::kSum));
    EXPECT_TRUE(torch::equal(tensor, torch::full({1024}, 2.0)));
  }
  resynchronise();
}

}  // namespace
}  // namespace cog::comms
