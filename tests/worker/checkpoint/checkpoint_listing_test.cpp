// listCheckpoints: ordering by step, temporaries ignored, broken entries reported with a reason.
#include "worker/checkpoint/checkpoint_listing.hpp"

#include <gtest/gtest.h>

#include "tests/worker/checkpoint/checkpoint_test_util.hpp"
#include "worker/checkpoint/checkpoint_names.hpp"
#include "worker/checkpoint/checkpoint_writer.hpp"

namespace cog::checkpoint {
namespace {

namespace fs = std::filesystem;
using test::ScratchDir;
using test::writeText;

void writeStep(const fs::path& root, const std::string& name, nlohmann::json meta) {
  CheckpointWriter writer(root, name);
  writer.addFile("model.bin", std::string(128, 'm'));
  writer.setMeta(std::move(meta));
  writer.commit();
}

std::vector<std::string> namesOf(const CheckpointListing& listing) {
  std::vector<std::string> names;
  for (const CheckpointInfo& info : listing.checkpoints) names.push_back(info.name);
  return names;
}

TEST(CheckpointListing, SortedByStepIgnoringTemporaries) {
  ScratchDir dir;
  writeStep(dir.path(), "b", {{"step", 20}});
  writeStep(dir.path(), "a", {{"step", 5}, {"healthy", false}});
  writeStep(dir.path(), "c", {{"step", 10}});
  writeStep(dir.path(), "zz-no-step", {{"epoch", 1}});
  // A complete-looking copy under a temporary name and a live, uncommitted writer.
  fs::copy(dir.path() / "c", dir.path() / ".old-c-99999-0");
  CheckpointWriter pending(dir.path(), "d");
  pending.addFile("model.bin", "partial");

  const CheckpointListing listing = listCheckpoints(dir.path());
  EXPECT_EQ(namesOf(listing), (std::vector<std::string>{"zz-no-step", "a", "c", "b"}));
  EXPECT_TRUE(listing.broken.empty());
  EXPECT_EQ(listing.checkpoints[1].meta.at("healthy"), false);
  EXPECT_EQ(listing.checkpoints[2].directory, dir.path() / "c");
}

TEST(CheckpointNames, TheTrainersNamesSortByTheirNumberAndParseBack) {
  EXPECT_EQ(periodicCheckpointName(3), "epoch-0003");
  EXPECT_EQ(requestedCheckpointName(120), "step-00000120");
  EXPECT_LT(periodicCheckpointName(9), periodicCheckpointName(10));
  EXPECT_EQ(periodicCheckpointEpochs("epoch-0003"), 3);
  EXPECT_EQ(periodicCheckpointEpochs("epoch-12345"), 12345);
  for (const char* other : {"best", "final", "step-00000120", "epoch-", "epoch-3x", "epochs-0003"}) {
    EXPECT_FALSE(periodicCheckpointEpochs(other)) << other;
  }
}

// Only periodic checkpoints are pruned, oldest first by epoch; best, final and requested
// ones stay whatever their age.
TEST(CheckpointListing, PruningKeepsTheNewestPeriodicAndEveryOtherName) {
  ScratchDir dir;
  for (int epoch : {1, 2, 10, 11}) writeStep(dir.path(), periodicCheckpointName(epoch), {{"step", epoch}});
  writeStep(dir.path(), kBestCheckpointName, {{"step", 1}});
  writeStep(dir.path(), requestedCheckpointName(5), {{"step", 5}});
  prunePeriodicCheckpoints(dir.path(), 0);
  EXPECT_EQ(listCheckpoints(dir.path()).checkpoints.size(), 6u) << "keep_last 0 keeps all";
  prunePeriodicCheckpoints(dir.path(), 2);
  EXPECT_EQ(namesOf(listCheckpoints(dir.path())),
            (std::vector<std::string>{"best", "step-00000005", "epoch-0010", "epoch-0011"}));
}

TEST(CheckpointListing, BrokenEntriesCarryAReason) {
  ScratchDir dir;
  writeStep(dir.path(), "good", {{"step", 1}});
  writeStep(dir.path(), "corrupt", {{"step", 2}});
  writeText(dir.path() / "corrupt" / "model.bin", std::string(128, 'X'));
  fs::create_directory(dir.path() / "junk");

  const CheckpointListing listing = listCheckpoints(dir.path());
  EXPECT_EQ(namesOf(listing), std::vector<std::string>{"good"});
  ASSERT_EQ(listing.broken.size(), 2u);
  EXPECT_EQ(listing.broken[0].name, "corrupt");
  EXPECT_NE(listing.broken[0].reason.find("model.bin has crc32"), std::string::npos)
      << listing.broken[0].reason;
  EXPECT_EQ(listing.broken[1].name, "junk");
  EXPECT_NE(listing.broken[1].reason.find("no manifest.json"), std::string::npos)
      << listing.broken[1].reason;

  // Size-only verification is cheaper and cannot see a same-size overwrite.
  EXPECT_EQ(listCheckpoints(dir.path(), Verification::kSizes).checkpoints.size(), 2u);
}

TEST(CheckpointListing, MissingRootIsEmptyAndAFileRootIsAnError) {
  ScratchDir dir;
  EXPECT_TRUE(listCheckpoints(dir.path() / "none").checkpoints.empty());
  writeText(dir.path() / "file", "x");
  EXPECT_THROW(listCheckpoints(dir.path() / "file"), CheckpointError);
}

}  // namespace
}  // namespace cog::checkpoint
