// The coordinator's terminal output, from store rows.
#include "coordinator/status_view.hpp"

#include <gtest/gtest.h>

namespace cog::coord {
namespace {

TEST(StatusView, TableShowsEveryJobWithItsNumbers) {
  JobRow a;
  a.id = "reasoning";
  a.state = JobState::kRunning;
  a.attempt = 2;
  a.epoch = 1;
  a.step = 340;
  a.best_val_loss = 1.25;
  a.last_metrics = {{"loss", 1.5}, {"tokens_per_s", 3021.7}, {"eta_s", 125}};
  JobRow b;
  b.id = "speed";
  b.state = JobState::kQueued;
  const auto table = formatStatusTable({a, b});
  EXPECT_NE(table.find("reasoning"), std::string::npos);
  EXPECT_NE(table.find("2/340"), std::string::npos) << table;
  EXPECT_NE(table.find("1.25"), std::string::npos);
  EXPECT_NE(table.find("2m05s"), std::string::npos) << table;
  EXPECT_NE(table.find("queued"), std::string::npos);
}

TEST(StatusView, SummaryListsDecisionsPerJob) {
  JobRow a;
  a.id = "memory";
  a.state = JobState::kFinished;
  a.best_val_loss = 0.9;
  EventRow e;
  e.job_id = "memory";
  e.attempt = 1;
  e.kind = "rollback";
  e.detail = "back to epoch-0002";
  const auto summary = formatSummary({a}, {e});
  EXPECT_NE(summary.find("memory: finished"), std::string::npos) << summary;
  EXPECT_NE(summary.find("rollback: back to epoch-0002"), std::string::npos) << summary;
}

TEST(StatusView, FormatsMissingValuesAndDurations) {
  EXPECT_EQ(formatValue(kNoValue), "-");
  EXPECT_EQ(formatDuration(59), "59s");
  EXPECT_EQ(formatDuration(3725), "1h02m");
  EXPECT_EQ(formatDuration(-1), "-");
}

}  // namespace
}  // namespace cog::coord
