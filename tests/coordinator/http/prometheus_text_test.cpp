#include "coordinator/http/prometheus_text.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <regex>
#include <set>
#include <sstream>

namespace cog::coord {
namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<JobRow> sampleJobs() {
  JobRow a;
  a.id = "reasoning";
  a.state = JobState::kRunning;
  a.attempt = 2;
  a.step = 1200;
  a.epoch = 3;
  a.best_val_loss = 2.5;
  a.last_metrics = {
      {"loss", 0.125}, {"lr", kNoValue}, {"grad_norm", std::numeric_limits<double>::infinity()}};
  JobRow b;
  b.id = "we\"ird\\job\nname";
  b.state = JobState::kQueued;
  return {a, b};
}

TEST(HttpPrometheusText, WritesSamplesForEachJob) {
  const std::string text = prometheusText(sampleJobs());
  const std::vector<std::string> l = lines(text);
  auto has = [&](const std::string& line) {
    return std::find(l.begin(), l.end(), line) != l.end();
  };
  EXPECT_TRUE(has("cog_job_step{job=\"reasoning\"} 1200")) << text;
  EXPECT_TRUE(has("cog_job_attempt{job=\"reasoning\"} 2")) << text;
  EXPECT_TRUE(has("cog_job_best_val_loss{job=\"reasoning\"} 2.5")) << text;
  EXPECT_TRUE(has("cog_job_state{job=\"reasoning\",state=\"running\"} 1")) << text;
  EXPECT_TRUE(has("cog_job_metric{job=\"reasoning\",name=\"loss\"} 0.125")) << text;
  EXPECT_TRUE(has("cog_job_metric{job=\"reasoning\",name=\"grad_norm\"} +Inf")) << text;
  EXPECT_TRUE(has("# TYPE cog_job_step gauge")) << text;
}

TEST(HttpPrometheusText, LeavesOutNaNSamples) {
  const std::string text = prometheusText(sampleJobs());
  EXPECT_EQ(text.find("name=\"lr\""), std::string::npos) << text;
  EXPECT_EQ(text.find("NaN"), std::string::npos) << text;
  // The second job has no validation yet: no best_val_loss sample for it.
  EXPECT_EQ(text.find("cog_job_best_val_loss{job=\"we"), std::string::npos) << text;
  EXPECT_EQ(text.find("cog_job_best_exact_match{"), std::string::npos) << text;
}

TEST(HttpPrometheusText, EscapesLabelValues) {
  EXPECT_EQ(prometheusLabelValue("we\"ird\\job\nname"), "we\\\"ird\\\\job\\nname");
  const std::string text = prometheusText(sampleJobs());
  EXPECT_NE(text.find("cog_job_state{job=\"we\\\"ird\\\\job\\nname\",state=\"queued\"} 1"),
            std::string::npos)
      << text;
}

// Every line is a comment or `name{labels} value`, and each family's samples are contiguous
// and follow its own TYPE line, as the exposition format requires.
TEST(HttpPrometheusText, EveryLineFollowsTheExpositionFormat) {
  const std::regex sample(
      R"re(^([a-zA-Z_:][a-zA-Z0-9_:]*)\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*")*\} ([-+]?[0-9.e+-]+|\+Inf|-Inf|NaN)$)re");
  const std::regex comment(R"re(^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$)re");
  std::set<std::string> finished;
  std::string current;
  const std::string text = prometheusText(sampleJobs());
  ASSERT_EQ(text.back(), '\n');
  for (const std::string& line : lines(text)) {
    std::smatch m;
    if (std::regex_match(line, m, comment)) {
      if (m[2] != current) {
        EXPECT_EQ(finished.count(m[2]), 0u) << "family " << m[2] << " appears twice";
        if (!current.empty()) finished.insert(current);
        current = m[2];
      }
    } else {
      ASSERT_TRUE(std::regex_match(line, m, sample)) << "bad line: " << line;
      EXPECT_EQ(m[1], current) << "sample outside its family: " << line;
    }
  }
}

TEST(HttpPrometheusText, NumbersRoundTrip) {
  EXPECT_EQ(prometheusNumber(0.1), "0.1");
  EXPECT_EQ(prometheusNumber(1200), "1200");
  EXPECT_EQ(std::stod(prometheusNumber(2.0 / 3.0)), 2.0 / 3.0);
  EXPECT_EQ(prometheusNumber(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(prometheusNumber(std::nan("")), "NaN");
}

TEST(HttpPrometheusText, DuplicateScalarNamesGiveOneSeries) {
  JobRow j;
  j.id = "x";
  j.state = JobState::kRunning;
  j.last_metrics = {{"loss", 1.0}, {"loss", 2.0}};
  const std::string text = prometheusText({j});
  EXPECT_EQ(text.find("name=\"loss\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("cog_job_metric{job=\"x\",name=\"loss\"} 2\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace cog::coord
