// Measures metric rows appended + flushed per second (a measurement, not an assertion:
// run with --gtest_also_run_disabled_tests --gtest_filter='*Throughput*').
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <ctime>

#include "coordinator/store/store.hpp"
#include "tests/coordinator/store/store_test_util.hpp"

namespace cog::coord {
namespace {

TEST(StoreThroughput, DISABLED_MetricRowsPerSecond) {
  testing::ScratchDir dir("throughput");
  Store store(dir.file("cog.db"));
  constexpr int kJobs = 3;
  constexpr int64_t kRowsPerJob = 100000;
  constexpr int64_t kBatch = 1000;  // about what 50 ms of reports from many ranks adds up to
  const char* names[13] = {"loss",         "lr",       "grad_norm", "grad_norm_clipped",
                           "tokens_per_s", "step_ms",  "ema_loss",  "grokfast_lambda",
                           "qk_max_logit", "mem_gate", "act_steps", "aux_loss",
                           "seq_len"};
  MetricRow row;
  row.attempt = 1;
  for (const char* n : names) row.scalars.emplace_back(n, 0.0);

  // CPU time too: on a shared machine the wall clock also measures the neighbours.
  const std::clock_t cpu_start = std::clock();
  const auto start = std::chrono::steady_clock::now();
  int64_t rows = 0;
  for (int64_t step = 1; step <= kRowsPerJob; ++step) {
    for (int j = 0; j < kJobs; ++j) {
      row.job_id = j == 0 ? "reasoning" : (j == 1 ? "memory" : "speed");
      row.step = step;
      row.time = 1700000000.0 + static_cast<double>(step) * 0.01;
      for (size_t i = 0; i < row.scalars.size(); ++i)
        row.scalars[i].second = 2.5 / static_cast<double>(step + static_cast<int64_t>(i));
      store.appendMetric(row);
      if (++rows % kBatch == 0) store.flush();
    }
  }
  store.flush();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(store.metricCount("", true), rows);
  const double cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  std::printf(
      "store throughput: %lld metric rows (13 scalars), flushed every %lld: %.3f s wall = "
      "%.0f rows/s; %.3f s CPU = %.0f rows per CPU second\n",
      static_cast<long long>(rows), static_cast<long long>(kBatch), seconds,
      static_cast<double>(rows) / seconds, cpu_seconds, static_cast<double>(rows) / cpu_seconds);
  RecordProperty("rows_per_second", static_cast<int>(static_cast<double>(rows) / seconds));
}

}  // namespace
}  // namespace cog::coord
