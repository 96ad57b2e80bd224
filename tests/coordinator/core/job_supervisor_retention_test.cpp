// checkpoint.keep carried out by the supervisor: what it lets go as checkpoints arrive, and
// that a rollback still finds its checkpoint afterwards.
#include <gtest/gtest.h>

#include "tests/coordinator/core/supervisor_harness.hpp"

namespace cog::coord {
namespace {

using testing::SupervisorHarness;
using H = SupervisorHarness;

std::vector<std::string> forgotten(const Actions& out) {
  std::vector<std::string> paths;
  for (const auto& a : out) {
    if (const auto* f = std::get_if<ForgetCheckpoint>(&a)) paths.push_back(f->path);
  }
  return paths;
}

bool holds(const SupervisorHarness& h, const std::string& name) {
  for (const auto& c : h.job->checkpoints()) {
    if (c.name == name) return true;
  }
  return false;
}

std::string epoch(int e) {
  char name[16];
  std::snprintf(name, sizeof name, "epoch-%04d", e);
  return name;
}

// Twelve epochs, each validated and checkpointed with a falling loss: after each save the
// job holds at most latest + best periodic checkpoints plus `best`, and every surplus one
// goes as a row (record) and then as files (effect), with one decision naming them.
TEST(JobSupervisorRetention, ALongRunHoldsOnlyWhatKeepSays) {
  JobSpec spec = SupervisorHarness::defaultSpec();
  spec.checkpoint_keep = {1, 2};
  SupervisorHarness h({}, spec);
  h.startRunning();
  size_t deleted = 0;
  for (int e = 1; e <= 12; ++e) {
    const double loss = 3.0 - 0.1 * e;
    h.metrics(e * 100, loss);
    h.validation(e * 100, loss);
    h.checkpoint(e * 100, "best", loss);
    const Actions out = h.checkpoint(e * 100, epoch(e), loss);
    const auto paths = forgotten(out);
    for (const auto& p : paths) {
      EXPECT_EQ(p.find("best"), std::string::npos) << "never `best`";
      // The record comes before the effect.
      EXPECT_LT(H::indexOf<ForgetCheckpoint>(out), H::indexOf<DeleteCheckpointFiles>(out));
    }
    if (!paths.empty()) EXPECT_EQ(H::decisions(out), std::vector<std::string>{"checkpoints_pruned"});
    deleted += paths.size();
  }
  EXPECT_EQ(deleted, 10u) << "epochs 1-10 went; 11 and 12 stay (12 is also the best)";
  EXPECT_TRUE(holds(h, epoch(11)));
  EXPECT_TRUE(holds(h, epoch(12)));
  EXPECT_FALSE(holds(h, epoch(10)));
  EXPECT_TRUE(holds(h, "best"));
}

// A checkpoint is reported twice, over the wire and again from the worker's log when the
// attempt ends. If retention deleted it in between, the second report must not bring it back
// (it would be pruned, and counted, twice).
TEST(JobSupervisorRetention, ALateSecondReportOfAPrunedCheckpointIsIgnored) {
  JobSpec spec = SupervisorHarness::defaultSpec();
  spec.checkpoint_keep = {0, 1};
  SupervisorHarness h({}, spec);
  h.startRunning();
  for (int e = 1; e <= 3; ++e) {
    h.metrics(e * 100, 3.0 - 0.1 * e);
    h.validation(e * 100, 3.0 - 0.1 * e);
    h.checkpoint(e * 100, epoch(e), 3.0 - 0.1 * e);
  }
  ASSERT_FALSE(holds(h, epoch(1)));
  const Actions again = h.checkpoint(100, epoch(1), 2.9);
  EXPECT_TRUE(forgotten(again).empty());
  EXPECT_TRUE(H::decisions(again).empty());
  EXPECT_EQ(H::indexOf<StoreCheckpoint>(again), again.size()) << "not stored again";
  EXPECT_FALSE(holds(h, epoch(1)));
}

// Val loss bottoms out at epoch 3 and rises after: epoch 3 survives as the rollback target
// while later ones come and go, and a divergence at the end rolls back to it.
TEST(JobSupervisorRetention, TheRollbackTargetSurvivesAndIsUsed) {
  JobSpec spec = SupervisorHarness::defaultSpec();
  spec.checkpoint_keep = {0, 1};
  PolicyConfig policies;
  policies.early_stopping.enabled = false;  // the rising val loss would end the job first
  SupervisorHarness h(policies, spec);
  h.startRunning();
  const std::vector<double> losses = {2.0, 1.5, 1.0, 1.3, 1.4, 1.5, 1.6};
  for (size_t i = 0; i < losses.size(); ++i) {
    const int e = static_cast<int>(i) + 1;
    // A steady train loss: only the validations tell the epochs apart, and no detector fires.
    std::vector<std::string> seen = H::decisions(h.metrics(e * 100, 1.0));
    for (const auto& d : H::decisions(h.validation(e * 100, losses[i]))) seen.push_back(d);
    for (const auto& d : H::decisions(h.checkpoint(e * 100, epoch(e), losses[i]))) seen.push_back(d);
    for (const auto& d : seen) EXPECT_EQ(d, "checkpoints_pruned") << "epoch " << e;
  }
  EXPECT_TRUE(holds(h, epoch(3)));
  EXPECT_TRUE(holds(h, epoch(7))) << "latest";
  EXPECT_FALSE(holds(h, epoch(1)));
  EXPECT_FALSE(holds(h, epoch(5)));
  // A non-finite loss is a divergence: the rollback goes back to epoch 3.
  Actions out = h.metrics(750, std::nan(""));
  H::append(out, h.finish(wire::RunEnd::kStopCommand));
  const auto* start = H::first<StartAttempt>(out);
  ASSERT_NE(start, nullptr) << ::testing::PrintToString(H::decisions(out));
  ASSERT_TRUE(start->from);
  EXPECT_EQ(start->from->name, epoch(3));
}

}  // namespace
}  // namespace cog::coord
