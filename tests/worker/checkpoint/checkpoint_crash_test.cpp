// Crash safety of overwriting a checkpoint: at every instant the complete old or the
// complete new checkpoint exists under a recognisable name, and the recovery helpers turn
// whatever a crash left into a clean root.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "tests/worker/checkpoint/checkpoint_test_util.hpp"
#include "worker/checkpoint/checkpoint_listing.hpp"
#include "worker/checkpoint/checkpoint_reader.hpp"
#include "worker/checkpoint/checkpoint_recovery.hpp"
#include "worker/checkpoint/checkpoint_writer.hpp"

namespace cog::checkpoint {
namespace {

namespace fs = std::filesystem;
using test::ScratchDir;
using test::writeText;

// Generation `step` of checkpoint NAME: every byte of every file encodes the step, so a
// reader can tell files of different generations apart even if each CRC were right.
void writeGeneration(const fs::path& root, const std::string& name, int64_t step) {
  CheckpointWriter writer(root, name);
  writer.addFile("model.bin", std::string(64 * 1024, static_cast<char>('A' + step % 26)));
  writer.addFile("optim.bin", std::string(16 * 1024, static_cast<char>('a' + step % 26)));
  writer.setMeta({{"step", step}, {"healthy", true}});
  writer.commit();
}

// Opens a checkpoint directory fully verified and checks its files match its meta step.
int64_t verifiedStep(const fs::path& directory) {
  const CheckpointReader reader(directory);
  const int64_t step = reader.meta().at("step").get<int64_t>();
  const std::vector<uint8_t> model = reader.readBytes("model.bin");
  const std::vector<uint8_t> optim = reader.readBytes("optim.bin");
  EXPECT_EQ(model.front(), static_cast<uint8_t>('A' + step % 26)) << directory;
  EXPECT_EQ(optim.back(), static_cast<uint8_t>('a' + step % 26)) << directory;
  return step;
}

std::vector<fs::path> entriesStartingWith(const fs::path& root, const std::string& prefix) {
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (entry.path().filename().string().rfind(prefix, 0) == 0) found.push_back(entry.path());
  }
  return found;
}

TEST(CheckpointCrash, OverwriteReplacesAndCleansUp) {
  ScratchDir dir;
  writeGeneration(dir.path(), "latest", 1);
  writeGeneration(dir.path(), "latest", 2);
  EXPECT_EQ(verifiedStep(dir.path() / "latest"), 2);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(CheckpointCrash, CrashBetweenRenamesIsRecovered) {
  ScratchDir dir;
  writeGeneration(dir.path(), "latest", 1);
  // The state a writer of another process leaves when killed after renaming the old
  // checkpoint aside (step 3) and before renaming its staging directory in (step 4).
  const fs::path aside = dir.path() / ".old-latest-99999-0";
  fs::rename(dir.path() / "latest", aside);
  fs::create_directory(dir.path() / ".tmp-latest-99999-0");
  writeText(dir.path() / ".tmp-latest-99999-0" / "model.bin", "half");

  EXPECT_TRUE(listCheckpoints(dir.path()).checkpoints.empty());
  EXPECT_EQ(verifiedStep(aside), 1);  // the old checkpoint is still complete, set aside

  // Stale-temporary removal never deletes the only copy of a checkpoint...
  const std::vector<fs::path> removed = removeStaleTemporaries(dir.path());
  EXPECT_EQ(removed, std::vector<fs::path>{dir.path() / ".tmp-latest-99999-0"});
  EXPECT_TRUE(fs::exists(aside));
  // ...and recovery puts it back.
  EXPECT_EQ(recoverInterrupted(dir.path()), std::vector<std::string>{"latest"});
  EXPECT_EQ(verifiedStep(dir.path() / "latest"), 1);
  EXPECT_TRUE(removeStaleTemporaries(dir.path()).empty());
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(CheckpointCrash, RecoveryPrefersNewestValidCopyAndSkipsBrokenOnes) {
  ScratchDir dir;
  writeGeneration(dir.path(), "latest", 1);
  fs::rename(dir.path() / "latest", dir.path() / ".old-latest-99999-0");
  writeGeneration(dir.path(), "latest", 2);
  fs::rename(dir.path() / "latest", dir.path() / ".old-latest-99999-1");
  fs::resize_file(dir.path() / ".old-latest-99999-1" / "model.bin", 10);  // broken copy
  EXPECT_EQ(recoverInterrupted(dir.path()), std::vector<std::string>{"latest"});
  EXPECT_EQ(verifiedStep(dir.path() / "latest"), 1);
  // Now that "latest" exists again, the leftover set-aside copy is stale.
  EXPECT_EQ(removeStaleTemporaries(dir.path()).size(), 1u);
}

TEST(CheckpointCrash, TemporariesOfThisProcessAreLeftAlone) {
  ScratchDir dir;
  CheckpointWriter writer(dir.path(), "latest");
  writer.addFile("model.bin", "x");
  EXPECT_TRUE(removeStaleTemporaries(dir.path()).empty());
  EXPECT_TRUE(fs::exists(writer.stagingDirectory()));
}

// A child process overwrites one checkpoint in a loop and is SIGKILLed at a random
// moment; after every kill the root must hold a complete old or new checkpoint (never a
// broken one), and recovery plus cleanup must leave exactly that checkpoint.
TEST(CheckpointCrash, WriterKilledAtRandomPointsNeverBreaksTheCheckpoint) {
  ScratchDir dir;
  const fs::path root = dir.path();
  writeGeneration(root, "latest", 0);
  std::mt19937 random(20240601);
  std::uniform_int_distribution<int> delayUs(0, 20000);
  int64_t newestSeen = 0;
  int foundAside = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int round = 1; round <= 80; ++round) {
    // About 2 s of rounds; on a loaded machine, on until a checkpoint got through (60 s cap).
    const auto elapsed = std::chrono::steady_clock::now() - start;
    if ((elapsed > std::chrono::seconds(2) && newestSeen > 0) || elapsed > std::chrono::seconds(60)) break;
    const pid_t child = ::fork();
    ASSERT_GE(child, 0) << "fork failed";
    if (child == 0) {
      // Never returns into GoogleTest: only _exit, whatever happens.
      try {
        for (int64_t k = 1;; ++k) writeGeneration(root, "latest", round * 100000 + k);
      } catch (...) {
        ::_exit(3);
      }
    }
    // Until a first checkpoint got through (a loaded CI machine writes slowly), each round
    // gives the writer 2 ms more before the kill.
    const int patience_us = newestSeen > 0 ? 0 : std::min(round, 40) * 2000;
    std::this_thread::sleep_for(std::chrono::microseconds(delayUs(random) + patience_us));
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the writer child failed on its own, status " << status;

    if (fs::exists(root / "latest")) {
      int64_t step = 0;
      ASSERT_NO_THROW(step = verifiedStep(root / "latest")) << "round " << round;
      newestSeen = std::max(newestSeen, step);
    } else {
      // Killed between the two renames: the old checkpoint must be complete, set aside.
      const std::vector<fs::path> aside = entriesStartingWith(root, ".old-latest-");
      ASSERT_EQ(aside.size(), 1u) << "round " << round << ": no checkpoint under any name";
      ASSERT_NO_THROW(verifiedStep(aside.front())) << "round " << round;
      ++foundAside;
    }
    recoverInterrupted(root);
    removeStaleTemporaries(root);
    ASSERT_NO_THROW(verifiedStep(root / "latest")) << "round " << round;
    ASSERT_TRUE(entriesStartingWith(root, ".").empty()) << "round " << round;
    const CheckpointListing listing = listCheckpoints(root);
    ASSERT_EQ(listing.checkpoints.size(), 1u);
    ASSERT_TRUE(listing.broken.empty());
  }
  // The loop is only meaningful if the child got checkpoints through between kills.
  EXPECT_GT(newestSeen, 0);
  RecordProperty("rounds_ending_between_renames", foundAside);
}

}  // namespace
}  // namespace cog::checkpoint
