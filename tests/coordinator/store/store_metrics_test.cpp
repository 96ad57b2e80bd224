// Metric history: idempotent re-import, superseding on restart, counters.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "coordinator/store/store.hpp"
#include "tests/coordinator/store/store_test_util.hpp"

namespace cog::coord {
namespace {

using testing::metric;
using testing::ScratchDir;

TEST(StoreMetrics, RoundTripKeepsEveryScalar) {
  ScratchDir dir("metric_round_trip");
  Store store(dir.file("cog.db"));
  MetricRow m = metric("reasoning", 1, 17);
  m.epoch = 3;
  m.time = 1700000123.456;
  m.scalars = {{"loss", std::nan("")},
               {"grad_norm", std::numeric_limits<double>::infinity()},
               {"delta", -std::numeric_limits<double>::infinity()},
               {"lr", 2.9999999999999997e-4},
               {"tokens/s", 123456.0},
               {"ü-名前", -0.0}};
  store.appendMetric(m);
  store.flush();
  const auto rows = store.metrics("reasoning", 0, 10);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].job_id, "reasoning");
  EXPECT_EQ(rows[0].attempt, 1);
  EXPECT_EQ(rows[0].step, 17);
  EXPECT_EQ(rows[0].epoch, 3);
  EXPECT_EQ(rows[0].time, m.time);
  ASSERT_EQ(rows[0].scalars.size(), m.scalars.size());
  EXPECT_TRUE(std::isnan(rows[0].scalars[0].second));
  for (size_t i = 1; i < m.scalars.size(); ++i) EXPECT_EQ(rows[0].scalars[i], m.scalars[i]);
}

TEST(StoreMetrics, SameReportTwiceIsOneRow) {
  ScratchDir dir("metric_idempotent");
  Store store(dir.file("cog.db"));
  for (int64_t step = 1; step <= 5; ++step) store.appendMetric(metric("memory", 1, step, 2.0));
  store.flush();
  // The backfill re-imports the worker's whole log, with (say) a different receive time.
  for (int64_t step = 1; step <= 6; ++step) {
    MetricRow again = metric("memory", 1, step, 9.0);
    again.time += 1000;
    store.appendMetric(again);
  }
  store.flush();
  EXPECT_EQ(store.metricCount("memory", true), 6);
  const auto rows = store.metrics("memory", 0, 100);
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[0].scalars[0].second, 2.0);  // the first report wins
  EXPECT_EQ(rows[5].scalars[0].second, 9.0);  // the one that was missing was filled in
  // The same step from another attempt or job is a different report.
  store.appendMetric(metric("memory", 2, 1));
  store.appendMetric(metric("speed", 1, 1));
  EXPECT_EQ(store.metricCount("memory", true), 7);
  EXPECT_EQ(store.metricCount("", true), 8);
}

// Attempt 1 reports steps 1..10, crashes; attempt 2 restarts from the checkpoint at step 6
// and reports 7..12. The history shows 1..12 once each, 7..10 from attempt 2.
void expectRestartHistory(const Store& store) {
  const auto rows = store.metrics("reasoning", 0, 1000);
  ASSERT_EQ(rows.size(), 12u);
  for (size_t i = 0; i < rows.size(); ++i) {
    const int64_t step = static_cast<int64_t>(i) + 1;
    EXPECT_EQ(rows[i].step, step);
    EXPECT_EQ(rows[i].attempt, step <= 6 ? 1 : 2) << "step " << step;
  }
  EXPECT_EQ(store.metricCount("reasoning", true), 16);
  EXPECT_EQ(store.metricCount("reasoning", false), 12);
}

TEST(StoreMetrics, RestartSupersedesReplayedSteps) {
  ScratchDir dir("supersede");
  Store store(dir.file("cog.db"));
  for (int64_t step = 1; step <= 10; ++step) store.appendMetric(metric("reasoning", 1, step));
  store.appendMetric(metric("speed", 1, 8));  // another job is left alone
  store.supersedeMetricsAfter("reasoning", 6, 2);
  for (int64_t step = 7; step <= 12; ++step) store.appendMetric(metric("reasoning", 2, step));
  store.flush();
  expectRestartHistory(store);
  EXPECT_EQ(store.metricCount("speed", false), 1);
  EXPECT_EQ(store.maxMetricStep("reasoning", 1), 10);
  EXPECT_EQ(store.maxMetricStep("reasoning", 2), 12);
  EXPECT_EQ(store.maxMetricStep("reasoning", 3), -1);
  EXPECT_EQ(store.maxMetricStep("memory", 1), -1);
}

TEST(StoreMetrics, LateRowsOfTheOldAttemptArriveSuperseded) {
  ScratchDir dir("supersede_late");
  Store store(dir.file("cog.db"));
  // The coordinator only saw steps 1..4 live; attempt 2 starts from step 6; then the
  // backfill imports attempt 1's full log (1..10), interleaved with attempt 2's reports.
  for (int64_t step = 1; step <= 4; ++step) store.appendMetric(metric("reasoning", 1, step));
  store.supersedeMetricsAfter("reasoning", 6, 2);
  for (int64_t step = 7; step <= 9; ++step) store.appendMetric(metric("reasoning", 2, step));
  for (int64_t step = 1; step <= 10; ++step) store.appendMetric(metric("reasoning", 1, step));
  for (int64_t step = 10; step <= 12; ++step) store.appendMetric(metric("reasoning", 2, step));
  store.flush();
  expectRestartHistory(store);
}

TEST(StoreMetrics, SecondRestartFromEarlierCheckpoint) {
  ScratchDir dir("supersede_twice");
  Store store(dir.file("cog.db"));
  for (int64_t step = 1; step <= 10; ++step) store.appendMetric(metric("memory", 1, step));
  store.supersedeMetricsAfter("memory", 6, 2);
  for (int64_t step = 7; step <= 9; ++step) store.appendMetric(metric("memory", 2, step));
  store.supersedeMetricsAfter("memory", 3, 3);  // rolled back further
  for (int64_t step = 4; step <= 8; ++step) store.appendMetric(metric("memory", 3, step));
  store.flush();
  const auto rows = store.metrics("memory", 0, 1000);
  ASSERT_EQ(rows.size(), 8u);
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].step, static_cast<int64_t>(i) + 1);
    EXPECT_EQ(rows[i].attempt, rows[i].step <= 3 ? 1 : 3) << "step " << rows[i].step;
  }
}

TEST(StoreMetrics, SinceStepAndLimitPage) {
  ScratchDir dir("metric_paging");
  Store store(dir.file("cog.db"));
  for (int64_t step = 100; step >= 1; --step) store.appendMetric(metric("speed", 1, step));
  store.flush();
  const auto page = store.metrics("speed", 40, 5);
  ASSERT_EQ(page.size(), 5u);
  EXPECT_EQ(page.front().step, 41);
  EXPECT_EQ(page.back().step, 45);
  EXPECT_EQ(store.metrics("speed", 95, 100).size(), 5u);
  EXPECT_TRUE(store.metrics("speed", 100, 100).empty());
  EXPECT_TRUE(store.metrics("speed", 0, 0).empty());
  EXPECT_TRUE(store.metrics("nobody", 0, 100).empty());
}

TEST(StoreMetrics, PendingWritesCountUntilFlush) {
  ScratchDir dir("pending");
  Store store(dir.file("cog.db"));
  store.flush();  // nothing open: a no-op
  for (int64_t step = 1; step <= 3; ++step) store.appendMetric(metric("speed", 1, step));
  store.appendEvent(testing::event("speed", "stage_change"));
  EXPECT_EQ(store.pendingWrites(), 4u);
  store.flush();
  EXPECT_EQ(store.pendingWrites(), 0u);
  store.appendMetric(metric("speed", 1, 4));
  EXPECT_EQ(store.pendingWrites(), 1u);
}

}  // namespace
}  // namespace cog::coord
