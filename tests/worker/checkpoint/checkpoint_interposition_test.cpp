// In this executable std::filesystem::remove_all aborts, as the PyTorch wheel's copy crashes
// (tests/common/poisoned_remove_all.cpp; its canary suite shows the poison is live). This
// suite, and the writer, listing and crash-recovery suites beside it, pass only if the
// checkpoint code removes directories with cog::removeTree.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/remove_tree.hpp"
#include "tests/worker/checkpoint/checkpoint_test_util.hpp"
#include "worker/checkpoint/checkpoint_listing.hpp"
#include "worker/checkpoint/checkpoint_names.hpp"
#include "worker/checkpoint/checkpoint_writer.hpp"

namespace cog::checkpoint {
namespace {

namespace fs = std::filesystem;
using test::ScratchDir;

TEST(CheckpointInterposition, PruningAndReplacingCheckpointsNeverCallIt) {
  ScratchDir dir;
  for (int epoch = 1; epoch <= 3; ++epoch) {
    CheckpointWriter writer(dir.path(), periodicCheckpointName(epoch));
    writer.addFile("model.bin", std::string(64, 'm'));
    writer.setMeta({{"step", epoch * 10}, {"epoch", epoch}});
    writer.commit();
  }
  for (int round = 0; round < 2; ++round) {  // the second commit of "best" sets the first aside
    CheckpointWriter best(dir.path(), "best");
    best.addFile("model.bin", std::string(64, 'b'));
    best.setMeta({{"step", 30 + round}});
    best.commit();
  }
  prunePeriodicCheckpoints(dir.path(), 1);
  EXPECT_FALSE(fs::exists(dir.path() / periodicCheckpointName(1)));
  EXPECT_FALSE(fs::exists(dir.path() / periodicCheckpointName(2)));
  EXPECT_TRUE(fs::exists(dir.path() / periodicCheckpointName(3)));
  EXPECT_TRUE(fs::exists(dir.path() / "best" / "model.bin"));
  EXPECT_GT(removeTree(dir.path() / "best"), 0u);
}

}  // namespace
}  // namespace cog::checkpoint
