// The worker's own log, as the coordinator reads it back for backfill.
#include "coordinator/worker_log.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "comms/wire/jsonl_codec.hpp"

namespace cog::coord {
namespace {

TEST(WorkerLog, ReadsEveryMessageAndNamesTheLinesItSkips) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("cog_worker_log_" + std::to_string(::getpid()) + ".jsonl");
  {
    std::ofstream out(path);
    wire::Metrics m;
    m.step = 10;
    m.scalars = {{"loss", 2.5}, {"grad_norm", std::nan("")}};
    out << wire::encodeJsonLine(m) << "\n";
    out << R"({"type":"step","step":11,"metrics":{"loss":2.4}})"
        << "\n";  // an old, unversioned line
    out << wire::encodeJsonLine(
               wire::CheckpointSaved{20, "epoch-0001", "/r/checkpoints/epoch-0001", 2.1, true})
        << "\n\n";
    out << wire::encodeJsonLine(wire::RunFinished{20, wire::RunEnd::kCompleted, "val_loss 2.1"})
        << "\n";
    out << R"({"v":2,"type":"step","step":30,"ep)";  // cut short by a crash
  }
  const auto log = readWorkerLog(path);
  std::filesystem::remove(path);
  ASSERT_EQ(log.messages.size(), 3u);
  const auto* metrics = std::get_if<wire::Metrics>(&log.messages[0]);
  ASSERT_NE(metrics, nullptr);
  EXPECT_EQ(metrics->step, 10);
  ASSERT_EQ(metrics->scalars.size(), 2u);
  EXPECT_TRUE(std::isnan(metrics->scalars[1].second)) << "written as \"nan\"";
  const auto* saved = std::get_if<wire::CheckpointSaved>(&log.messages[1]);
  ASSERT_NE(saved, nullptr);
  EXPECT_EQ(saved->path, "/r/checkpoints/epoch-0001");
  EXPECT_EQ(saved->val_loss, 2.1);
  ASSERT_NE(std::get_if<wire::RunFinished>(&log.messages[2]), nullptr);
  ASSERT_EQ(log.skipped.size(), 2u);
  EXPECT_EQ(log.skipped[0].line, 2);
  EXPECT_NE(log.skipped[0].error.find("no version"), std::string::npos) << log.skipped[0].error;
  EXPECT_EQ(log.skipped[1].line, 6) << "the empty line 4 is not an error, the torn line 6 is";
  EXPECT_TRUE(readWorkerLog("/nonexistent/metrics.jsonl").messages.empty());
}

}  // namespace
}  // namespace cog::coord
