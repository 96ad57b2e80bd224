// The worker's own log, as the coordinator reads it back for backfill.
#include "coordinator/worker_log.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

namespace cog::coord {
namespace {

TEST(WorkerLog, ReadsStepsValidationsEventsAndSkipsATornLastLine) {
  const auto path = std::filesystem::temp_directory_path() / ("cog_worker_log_" + std::to_string(::getpid()) + ".jsonl");
  {
    std::ofstream out(path);
    out << R"({"type":"step","step":10,"epoch":0,"metrics":{"loss":2.5,"grad_norm":"nan"}})" << "\n"
        << R"({"type":"validation","step":20,"epoch":0,"metrics":{"val_loss":2.1},"samples":[{"prompt":"Q"}]})" << "\n"
        << R"({"type":"event","step":20,"kind":"checkpoint","detail":"epoch-0001 -> /r/checkpoints/epoch-0001"})" << "\n"
        << R"({"type":"step","step":30,"ep)";  // cut short by a crash
  }
  const auto log = readWorkerLog(path, "job", 2);
  std::filesystem::remove(path);
  ASSERT_EQ(log.metrics.size(), 1u);
  EXPECT_EQ(log.metrics[0].job_id, "job");
  EXPECT_EQ(log.metrics[0].attempt, 2);
  EXPECT_EQ(log.metrics[0].step, 10);
  ASSERT_EQ(log.metrics[0].scalars.size(), 2u);
  for (const auto& [name, value] : log.metrics[0].scalars) {
    if (name == "grad_norm") {
      EXPECT_TRUE(std::isnan(value));  // written as "nan"
    }
    if (name == "loss") {
      EXPECT_EQ(value, 2.5);
    }
  }
  ASSERT_EQ(log.validations.size(), 1u);
  EXPECT_NE(log.validations[0].samples_json.find("Q"), std::string::npos);
  ASSERT_EQ(log.events.size(), 1u);
  EXPECT_EQ(log.malformed_lines, 1);
  EXPECT_TRUE(readWorkerLog("/nonexistent/metrics.jsonl", "j", 1).metrics.empty());
}

TEST(WorkerLog, ParsesCheckpointAndFinishedDetails) {
  std::string name, path;
  ASSERT_TRUE(parseCheckpointEvent("best -> /a b/checkpoints/best", name, path));
  EXPECT_EQ(name, "best");
  EXPECT_EQ(path, "/a b/checkpoints/best");
  EXPECT_FALSE(parseCheckpointEvent("no arrow here", name, path));
  EXPECT_EQ(finishedReason("reason completed, val_loss 1.2, best 1.1"), "completed");
  EXPECT_EQ(finishedReason("reason stop_command"), "stop_command");
  EXPECT_EQ(finishedReason("the newest checkpoint is of a finished run"), "");
}

}  // namespace
}  // namespace cog::coord
