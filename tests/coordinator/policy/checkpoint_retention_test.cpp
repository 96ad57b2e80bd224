// checkpoint.keep: which checkpoints retention lets go, on crafted checkpoint lists.
#include "coordinator/policy/checkpoint_retention.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>

namespace cog::coord {
namespace {

const double kNan = std::numeric_limits<double>::quiet_NaN();

CheckpointRow checkpoint(const std::string& name, int64_t step, double val_loss, int attempt = 1, bool healthy = true) {
  CheckpointRow row;
  row.job_id = "j";
  row.attempt = attempt;
  row.step = step;
  row.name = name;
  row.path = "/run/attempt-" + std::to_string(attempt) + "/checkpoints/" + name;
  row.val_loss = val_loss;
  row.healthy = healthy;
  return row;
}

std::vector<std::string> names(const std::vector<CheckpointRow>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.name + "@" + std::to_string(r.attempt));
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> surplus(const std::vector<CheckpointRow>& rows, CheckpointKeep keep, int64_t step,
                                 const std::vector<std::string>& in_use = {}) {
  return names(surplusCheckpoints(rows, {}, keep, DivergenceConfig{}, step, in_use));
}

// A run whose val loss falls every epoch, checkpointed every epoch, as a long run fills a
// disk: everything but the newest two, the best, and the worker's named ones goes.
TEST(CheckpointRetention, AFallingRunKeepsTheNewestAndTheBestAndTheNamedOnes) {
  std::vector<CheckpointRow> rows;
  for (int e = 1; e <= 10; ++e) {
    char name[16];
    std::snprintf(name, sizeof name, "epoch-%04d", e);
    rows.push_back(checkpoint(name, e * 100, 3.0 - 0.2 * e));
  }
  rows.push_back(checkpoint("best", 1000, 1.0));
  rows.push_back(checkpoint("final", 1000, 1.0));
  const auto gone = surplus(rows, {1, 2}, 1000);
  // epoch-0010 is newest and best; epoch-0009 the second newest.
  EXPECT_EQ(gone.size(), 8u);
  for (const auto& g : gone) {
    EXPECT_NE(g, "epoch-0010@1");
    EXPECT_NE(g, "epoch-0009@1");
    EXPECT_NE(g, "best@1");
    EXPECT_NE(g, "final@1");
  }
  EXPECT_EQ(gone.front(), "epoch-0001@1");
}

// The lowest val loss is kept though it is old: `best: 1`.
TEST(CheckpointRetention, TheBestValidatedCheckpointIsKeptWhenOld) {
  std::vector<CheckpointRow> rows = {checkpoint("epoch-0001", 100, 2.0), checkpoint("epoch-0002", 200, 1.0),
                                     checkpoint("epoch-0003", 300, 1.5), checkpoint("epoch-0004", 400, 1.6),
                                     checkpoint("epoch-0005", 500, 1.7)};
  // With a 15% rise margin, 1.5..1.7 > 1.15 x 1.0: a divergence now rolls back to epoch-0002,
  // which `best: 1` keeps anyway. epoch-0001 and epoch-0003 go.
  EXPECT_EQ(surplus(rows, {1, 2}, 500), (std::vector<std::string>{"epoch-0001@1", "epoch-0003@1"}));
  // best: 0 keeps it only as the rollback target.
  EXPECT_EQ(surplus(rows, {0, 2}, 500), (std::vector<std::string>{"epoch-0001@1", "epoch-0003@1"}));
}

// The rollback rule's choice is never deleted, whatever keep says: here the newest ones
// were already rising, so a divergence now goes back to epoch-0003.
TEST(CheckpointRetention, TheCheckpointARollbackWouldChooseIsKept) {
  std::vector<CheckpointRow> rows = {checkpoint("epoch-0001", 100, 1.0), checkpoint("epoch-0002", 200, 0.8),
                                     checkpoint("epoch-0003", 300, 0.9), checkpoint("epoch-0004", 400, 1.2),
                                     checkpoint("epoch-0005", 500, 1.3)};
  const auto gone = surplus(rows, {0, 1}, 500);
  EXPECT_EQ(std::count(gone.begin(), gone.end(), "epoch-0003@1"), 0);
  EXPECT_EQ(std::count(gone.begin(), gone.end(), "epoch-0005@1"), 0);  // latest
  EXPECT_EQ(gone, (std::vector<std::string>{"epoch-0001@1", "epoch-0002@1", "epoch-0004@1"}));
}

// Unhealthy checkpoints (saved after a condemned step) are never "best" and never the
// crash restart's: the newest healthy one stays although it is not among the latest.
TEST(CheckpointRetention, TheNewestHealthyCheckpointStaysForACrashRestart) {
  std::vector<CheckpointRow> rows = {checkpoint("epoch-0001", 100, kNan), checkpoint("epoch-0002", 200, kNan),
                                     checkpoint("epoch-0003", 300, kNan, 1, false),
                                     checkpoint("epoch-0004", 400, kNan, 1, false)};
  EXPECT_EQ(surplus(rows, {1, 1}, 400), (std::vector<std::string>{"epoch-0001@1", "epoch-0003@1"}));
}

// Across attempts: attempt 2 restarted from attempt 1's epoch-0002 and still reads it.
TEST(CheckpointRetention, TheRunningAttemptsStartCheckpointIsKept) {
  std::vector<CheckpointRow> rows = {checkpoint("epoch-0001", 100, 2.0), checkpoint("epoch-0002", 200, 1.9),
                                     checkpoint("epoch-0003", 300, 1.8, 2), checkpoint("epoch-0004", 400, 1.7, 2),
                                     checkpoint("epoch-0005", 500, 1.6, 2)};
  // epoch-0004 stays too: a divergence detected at step 500 condemns epoch-0005 and rolls
  // back to it.
  EXPECT_EQ(surplus(rows, {0, 1}, 500, {rows[1].path}), (std::vector<std::string>{"epoch-0001@1", "epoch-0003@2"}));
  EXPECT_EQ(surplus(rows, {0, 1}, 500), (std::vector<std::string>{"epoch-0001@1", "epoch-0002@1", "epoch-0003@2"}));
}

TEST(CheckpointRetention, NothingGoesWhileWithinTheLimits) {
  std::vector<CheckpointRow> rows = {checkpoint("epoch-0001", 100, 2.0), checkpoint("epoch-0002", 200, 1.9),
                                     checkpoint("best", 200, 1.9)};
  EXPECT_TRUE(surplus(rows, {1, 2}, 200).empty());
}

}  // namespace
}  // namespace cog::coord
