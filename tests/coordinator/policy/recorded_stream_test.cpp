// Policies replayed on recorded cogworker metric streams (fixtures/, see
// derive_fixtures.py): healthy runs give no verdict, each derived unhealthy run gives
// exactly its signal at the step its change makes inevitable.
#include "recorded_stream.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "coordinator/policy/early_stopping.hpp"
#include "coordinator/policy/grad_norm_guard.hpp"
#include "coordinator/policy/loss_rise_guard.hpp"
#include "coordinator/policy/mode_collapse_guard.hpp"
#include "coordinator/policy/non_finite_guard.hpp"

namespace cog::coord {
namespace {

using test::loadRecordedStream;
using test::replayAll;
using test::replayFirst;

std::vector<std::unique_ptr<Policy>> everyPolicy(const PolicyConfig& config) {
  std::vector<std::unique_ptr<Policy>> out;
  out.push_back(std::make_unique<NonFiniteGuard>());
  out.push_back(std::make_unique<GradNormGuard>(config.divergence));
  out.push_back(std::make_unique<LossRiseGuard>(config.divergence));
  out.push_back(std::make_unique<ModeCollapseGuard>(config.divergence));
  out.push_back(std::make_unique<EarlyStopping>(config.early_stopping));
  return out;
}

// Replays `fixture` through every policy on its own and returns the verdicts of all of
// them, so "exactly one signal" is checked without PolicySet's latch hiding a second one.
std::vector<Verdict> allVerdicts(const std::string& fixture, const PolicyConfig& config = {}) {
  const auto stream = loadRecordedStream(fixture);
  std::vector<Verdict> out;
  for (auto& policy : everyPolicy(config)) {
    for (auto& v : replayAll(*policy, stream)) out.push_back(v);
  }
  return out;
}

std::optional<Verdict> firstVerdict(const std::string& fixture, const PolicyConfig& config = {}) {
  PolicySet policies(config);
  return replayFirst(policies, loadRecordedStream(fixture));
}

TEST(RecordedStreams, FixturesLoadWithTheirReports) {
  const auto la2 = loadRecordedStream("healthy_la2.jsonl");
  ASSERT_EQ(la2.size(), 20u);  // 19 step reports and one validation
  ASSERT_TRUE(la2[0].metrics);
  EXPECT_EQ(la2[0].metrics->step, 50);
  EXPECT_NEAR(*findScalar(la2[0].metrics->scalars, "grad_norm"), 4.70688, 1e-5);
  const auto nan = loadRecordedStream("nan_loss.jsonl");
  EXPECT_TRUE(std::isnan(*findScalar(nan[7].metrics->scalars, "loss")));
}

TEST(RecordedStreams, HealthyRunsGiveNoVerdictFromAnyPolicy) {
  for (const char* fixture : {"healthy_la1.jsonl", "healthy_la2.jsonl", "healthy_demo1.jsonl"}) {
    SCOPED_TRACE(fixture);
    const auto verdicts = allVerdicts(fixture);
    for (const auto& v : verdicts)
      ADD_FAILURE() << v.signal << " at " << v.step << ": " << v.reason;
    EXPECT_FALSE(firstVerdict(fixture));
  }
}

TEST(RecordedStreams, NanLossDivergesAtOnce) {
  const auto verdicts = allVerdicts("nan_loss.jsonl");
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_EQ(verdicts[0].signal, "non_finite");
  EXPECT_EQ(verdicts[0].step, 400);
  EXPECT_EQ(verdicts[0].action, Verdict::Action::kDiverged);
  EXPECT_NE(verdicts[0].reason.find("loss = nan at step 400"), std::string::npos)
      << verdicts[0].reason;
}

TEST(RecordedStreams, GradNormSpikeDivergesOnTheThirdConsecutiveReport) {
  const auto verdicts = allVerdicts("grad_spike.jsonl");
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_EQ(verdicts[0].signal, "grad_norm");
  EXPECT_EQ(verdicts[0].step, 550);  // 11, 19, 42; the earlier 14 and 12.5 stood alone
  EXPECT_NE(verdicts[0].reason.find("11, 19, 42 > 10"), std::string::npos) << verdicts[0].reason;
  EXPECT_NE(verdicts[0].reason.find("steps 450-550"), std::string::npos) << verdicts[0].reason;
}

TEST(RecordedStreams, GradNormThresholdsComeFromConfig) {
  PolicyConfig one_report;
  one_report.divergence.grad_norm_reports = 1;
  EXPECT_EQ(firstVerdict("grad_spike.jsonl", one_report)->step, 250);

  PolicyConfig limit_ten_or_more;  // 10.0 at step 400 is not above 9.5: 350-450 is a run
  limit_ten_or_more.divergence.grad_norm_limit = 9.5;
  EXPECT_EQ(firstVerdict("grad_spike.jsonl", limit_ten_or_more)->step, 450);

  PolicyConfig high_limit;
  high_limit.divergence.grad_norm_limit = 15;
  EXPECT_FALSE(firstVerdict("grad_spike.jsonl", high_limit));
}

TEST(RecordedStreams, LossThatRisesAndStaysIsALossRise) {
  const auto verdicts = allVerdicts("loss_rise.jsonl");
  ASSERT_FALSE(verdicts.empty());
  // The rise persists, so the guard alone keeps firing (PolicySet reports it once).
  for (const auto& v : verdicts) EXPECT_EQ(v.signal, "loss_rise") << v.step;
  // x1.5 from step 400: the EMA crosses 1.15 x its minimum at 600 (4 reports), the fifth
  // consecutive report above is 800.
  EXPECT_EQ(verdicts[0].step, 800);
  EXPECT_NE(verdicts[0].reason.find("steps 600-800"), std::string::npos) << verdicts[0].reason;
  EXPECT_EQ(firstVerdict("loss_rise.jsonl")->step, 800);
}

TEST(RecordedStreams, LossRiseThresholdsComeFromConfig) {
  PolicyConfig fewer_reports;
  fewer_reports.divergence.loss_rise_reports = 2;
  EXPECT_EQ(firstVerdict("loss_rise.jsonl", fewer_reports)->step, 650);

  PolicyConfig faster_ema;
  faster_ema.divergence.loss_ema_alpha = 0.3;
  EXPECT_EQ(firstVerdict("loss_rise.jsonl", faster_ema)->step, 650);

  PolicyConfig tolerant;
  tolerant.divergence.loss_rise_ratio = 1.6;
  EXPECT_FALSE(firstVerdict("loss_rise.jsonl", tolerant));
}

TEST(RecordedStreams, AStageChangeThatLengthensSequencesRestartsTheLossBaseline) {
  // The recorded demo run jumps 0.44 -> 2.6 when seq_len goes 64 -> 96 and recovers over
  // ~14 reports. Without the seq_len in the reports the guard cannot see the stage change
  // and calls the transient a rise: that is why the baseline restarts on it.
  auto stream = loadRecordedStream("healthy_demo1.jsonl");
  DivergenceConfig config;
  LossRiseGuard with_seq_len(config);
  EXPECT_TRUE(replayAll(with_seq_len, stream).empty());

  for (auto& report : stream) {
    if (!report.metrics) continue;
    auto& s = report.metrics->scalars;
    s.erase(
        std::remove_if(s.begin(), s.end(), [](const auto& kv) { return kv.first == "seq_len"; }),
        s.end());
  }
  LossRiseGuard blind(config);
  const auto verdicts = replayAll(blind, stream);
  ASSERT_FALSE(verdicts.empty());
  EXPECT_EQ(verdicts[0].step, 775);
}

TEST(RecordedStreams, PlateauStopsAfterPatienceValidations) {
  const auto verdicts = allVerdicts("plateau.jsonl");
  ASSERT_EQ(verdicts.size(),
            2u);  // the plateau rule fires at 750 and again at 900 when not stopped
  EXPECT_EQ(verdicts[0].signal, "plateau");
  EXPECT_EQ(verdicts[0].action, Verdict::Action::kEarlyStop);
  EXPECT_EQ(verdicts[0].step, 750);  // best 0.55 at 300; 0.546, 0.548, 0.542 are not better by 0.01
  EXPECT_NE(verdicts[0].reason.find("best 0.55 (step 300) for 3 validations"), std::string::npos)
      << verdicts[0].reason;
  EXPECT_EQ(firstVerdict("plateau.jsonl")->step, 750);
}

TEST(RecordedStreams, PatienceAndMinDeltaComeFromConfig) {
  PolicyConfig patient;
  patient.early_stopping.patience = 4;
  EXPECT_EQ(firstVerdict("plateau.jsonl", patient)->step, 900);

  PolicyConfig very_patient;
  very_patient.early_stopping.patience = 5;
  EXPECT_FALSE(firstVerdict("plateau.jsonl", very_patient));

  PolicyConfig small_delta;  // 0.546 and 0.542 now count as improvements
  small_delta.early_stopping.min_delta = 0.003;
  EXPECT_FALSE(firstVerdict("plateau.jsonl", small_delta));

  PolicyConfig disabled;
  disabled.early_stopping.enabled = false;
  EXPECT_FALSE(firstVerdict("plateau.jsonl", disabled));
}

TEST(RecordedStreams, CollapsedValidationIsModeCollapse) {
  const auto verdicts = allVerdicts("collapse.jsonl");
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_EQ(verdicts[0].signal, "mode_collapse");
  EXPECT_EQ(verdicts[0].step, 652);
  EXPECT_EQ(verdicts[0].action, Verdict::Action::kDiverged);
  EXPECT_NE(verdicts[0].reason.find("top_token_share 0.95 > 0.9"), std::string::npos)
      << verdicts[0].reason;
}

TEST(RecordedStreams, CollapseThresholdsComeFromConfig) {
  PolicyConfig share_off;
  share_off.divergence.top_token_share_max = 1;
  EXPECT_FALSE(firstVerdict("collapse.jsonl", share_off));

  // distinct-1 alone: 0.02 at step 652 is below 0.03, the healthy 0.041 at 326 is not.
  PolicyConfig distinct_only = share_off;
  distinct_only.divergence.distinct_1_min = 0.03;
  const auto v = firstVerdict("collapse.jsonl", distinct_only);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->step, 652);
  EXPECT_NE(v->reason.find("distinct_1 0.02 < 0.03"), std::string::npos) << v->reason;
}

TEST(RecordedStreams, Distinct1BoundOfDesignTableWouldFlagEveryHealthyRun) {
  // Why distinct_1_min defaults to 0 (off): the recorded healthy runs have pooled distinct-1
  // 0.006 (la1), 0.018 (la2) and 0.041 (demo1, first validation), all below 0.1.
  PolicyConfig design_table;
  design_table.divergence.distinct_1_min = 0.1;
  EXPECT_EQ(firstVerdict("healthy_la1.jsonl", design_table)->step, 60);
  EXPECT_EQ(firstVerdict("healthy_la2.jsonl", design_table)->step, 787);
  EXPECT_EQ(firstVerdict("healthy_demo1.jsonl", design_table)->step, 326);
}

TEST(RecordedStreams, DivergenceDisabledLeavesOnlyThePlateauRule) {
  PolicyConfig config;
  config.divergence.enabled = false;
  for (const char* fixture :
       {"nan_loss.jsonl", "grad_spike.jsonl", "loss_rise.jsonl", "collapse.jsonl"}) {
    EXPECT_FALSE(firstVerdict(fixture, config)) << fixture;
  }
  EXPECT_EQ(firstVerdict("plateau.jsonl", config)->signal, "plateau");
}

}  // namespace
}  // namespace cog::coord
