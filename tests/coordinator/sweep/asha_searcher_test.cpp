// ASHA on synthetic learning curves: every promotion, pause and stop equals the hand-computed
// one (rank rule in asha_searcher.hpp), with ties, late results, repeated and skipped rungs.
#include "coordinator/sweep/asha_searcher.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "searcher_harness.hpp"

namespace cog::coord::sweep {
namespace {

using namespace testing;

AshaSearcher makeAsha(AshaMode mode, int max_trials, int eta = 2, int64_t grace = 1,
                      int64_t max = 8, MetricGoal goal = minimise()) {
  AshaConfig config;
  config.grace = grace;
  config.eta = eta;
  config.mode = mode;
  return AshaSearcher(lrSpace(), goal, budget(max_trials, max), config, 7);
}

std::vector<TrialId> entriesOf(const AshaSearcher& s, size_t rung) {
  std::vector<TrialId> ids;
  for (const auto& e : s.rungs()[rung].entries) ids.push_back(e.trial);
  return ids;
}

TEST(AshaMilestones, AreGraceTimesEtaPowersBelowTheMaximum) {
  EXPECT_EQ(ashaMilestones(1, 4, 16), (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(ashaMilestones(1, 4, 17), (std::vector<int64_t>{1, 4, 16}));
  EXPECT_EQ(ashaMilestones(1, 2, 8), (std::vector<int64_t>{1, 2, 4}));
  EXPECT_EQ(ashaMilestones(100, 3, 1000), (std::vector<int64_t>{100, 300, 900}));
  EXPECT_EQ(ashaMilestones(5, 4, 5), (std::vector<int64_t>{}));
  EXPECT_THROW(makeAsha(AshaMode::stop, 4, 4, 8, 8), ConfigError);
}

// eta 2, rungs at 1, 2, 4, trials train to 8. Stop mode keeps rank <= max(1, floor(n/2)),
// rank = 1 + results strictly better.
TEST(AshaStopMode, KeepsTheTopOneOverEtaOfEachRungOnArrival) {
  auto asha = makeAsha(AshaMode::stop, 6);
  const auto started = asha.suggest(10);
  ASSERT_EQ(started.size(), 6u);  // max_trials caps the ten free slots
  for (TrialId t = 0; t < 6; ++t) {
    EXPECT_DECISION(started[static_cast<size_t>(t)], start, t);
    EXPECT_EQ(started[static_cast<size_t>(t)].until_resource, 1);
  }
  EXPECT_TRUE(asha.suggest(1).empty());

  // Rung 0 (1 epoch), in arrival order:
  EXPECT_DECISION(report(asha, 0, 1, 0.50), proceed, 0);  // n 1, keep 1: the first goes on
  EXPECT_DECISION(report(asha, 1, 1, 0.60), stop, 1);     // n 2, keep 1, rank 2
  EXPECT_DECISION(report(asha, 2, 1, 0.40), proceed, 2);  // n 3, keep 1, rank 1
  EXPECT_DECISION(report(asha, 3, 1, 0.40), proceed, 3);  // n 4, keep 2, tie at rank 1
  EXPECT_DECISION(report(asha, 4, 1, 0.45), stop, 4);     // n 5, keep 2, rank 3
  EXPECT_DECISION(report(asha, 5, 1, 0.30), proceed, 5);  // n 6, keep 3, rank 1
  EXPECT_EQ(entriesOf(asha, 0), (std::vector<TrialId>{0, 1, 2, 3, 4, 5}));

  // Rung 1 (2 epochs): only the survivors arrive.
  const auto d0 = report(asha, 0, 2, 0.45);
  EXPECT_DECISION(d0, proceed, 0);  // n 1
  EXPECT_EQ(d0.until_resource, 4);
  EXPECT_DECISION(report(asha, 2, 2, 0.35), proceed, 2);  // n 2, keep 1, rank 1
  EXPECT_DECISION(report(asha, 3, 2, 0.38), stop, 3);     // n 3, keep 1, rank 2
  EXPECT_DECISION(report(asha, 5, 2, 0.50), stop, 5);     // n 4, keep 2, rank 4
  EXPECT_EQ(entriesOf(asha, 1), (std::vector<TrialId>{0, 2, 3, 5}));

  // A repeated report at a rung already judged (a restarted job) is not judged again.
  EXPECT_DECISION(report(asha, 0, 2, 0.90), proceed, 0);
  EXPECT_EQ(entriesOf(asha, 1).size(), 4u);
  // A late report from a stopped trial repeats the stop and enters nothing.
  EXPECT_DECISION(report(asha, 1, 2, 0.10), stop, 1);
  EXPECT_EQ(entriesOf(asha, 1).size(), 4u);
  // A report that skips rung 2's milestone is judged there, once.
  EXPECT_DECISION(report(asha, 2, 5, 0.30), proceed, 2);
  EXPECT_EQ(entriesOf(asha, 2), (std::vector<TrialId>{2}));
  EXPECT_EQ(asha.trials().at(2).rung, 2);
  // Non-finite: stopped, in no rung.
  EXPECT_DECISION(report(asha, 0, 3, kNaN), stop, 0);
  EXPECT_EQ(asha.trials().at(0).status, TrialStatus::non_finite);
  EXPECT_DECISION(report(asha, 2, 8, 0.25), proceed, 2);
  asha.onEnded(2, TrialEnd::completed);
  asha.onEnded(1, TrialEnd::completed);  // a stopped trial's job ending changes nothing

  const auto& t = asha.trials();
  EXPECT_EQ(t.at(1).status, TrialStatus::stopped);
  EXPECT_EQ(t.at(2).status, TrialStatus::completed);
  EXPECT_EQ(t.at(3).status, TrialStatus::stopped);
  EXPECT_EQ(t.at(4).status, TrialStatus::stopped);
  EXPECT_EQ(t.at(5).status, TrialStatus::stopped);
  EXPECT_EQ(*t.at(2).metric, 0.25);
}

TEST(AshaStopMode, MaxModeKeepsTheHighest) {
  auto asha = makeAsha(AshaMode::stop, 3, 2, 1, 8, MetricGoal{"exact_match", MetricMode::max});
  asha.suggest(3);
  EXPECT_DECISION(report(asha, 0, 1, 0.3), proceed, 0);
  EXPECT_DECISION(report(asha, 1, 1, 0.5), proceed, 1);  // n 2, keep 1: 0.5 beats 0.3
  EXPECT_DECISION(report(asha, 2, 1, 0.1), stop, 2);
}

TEST(AshaStopMode, NonFiniteResultsNeverEnterTheCutOff) {
  auto asha = makeAsha(AshaMode::stop, 4, 2);
  asha.suggest(4);
  EXPECT_DECISION(report(asha, 0, 1, kNaN), stop, 0);
  EXPECT_DECISION(report(asha, 1, 1, std::numeric_limits<double>::infinity()), stop, 1);
  EXPECT_DECISION(report(asha, 2, 1, 0.9), proceed, 2);  // still the first result: n 1
  EXPECT_DECISION(report(asha, 3, 1, 0.8), proceed, 3);  // n 2, keep 1, rank 1
  EXPECT_EQ(entriesOf(asha, 0), (std::vector<TrialId>{2, 3}));
}

// The paper's algorithm, eta 2, rungs at 1, 2, 4, to the end at 8, six trials. A slot
// freed by a pause goes to suggest(1). Candidates: the first floor(n/2) of a rung by score
// then arrival, not yet promoted, highest rung first.
TEST(AshaPromoteMode, PromotesFromCheckpointsExactlyAsHandComputed) {
  auto asha = makeAsha(AshaMode::promote, 6);
  auto s = asha.suggest(2);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_DECISION(s[0], start, 0);
  EXPECT_DECISION(s[1], start, 1);

  auto d = report(asha, 0, 1, 0.50);  // rung 0: n 1, floor(1/2) = 0 candidates
  EXPECT_DECISION(d, pause, 0);
  EXPECT_EQ(d.from_resource, 1);
  s = asha.suggest(1);  // nothing to promote: a new trial
  ASSERT_EQ(s.size(), 1u);
  EXPECT_DECISION(s[0], start, 2);

  EXPECT_DECISION(report(asha, 1, 1, 0.60), pause, 1);  // n 2: the candidate is trial 0, not 1
  s = asha.suggest(1);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_DECISION(s[0], promote, 0);
  EXPECT_EQ(s[0].from_resource, 1);
  EXPECT_EQ(s[0].until_resource, 2);

  d = report(asha, 2, 1, 0.40);  // n 3, 1 candidate: trial 2 itself, promoted in place
  EXPECT_DECISION(d, proceed, 2);
  EXPECT_EQ(d.until_resource, 2);

  EXPECT_DECISION(report(asha, 0, 2, 0.45), pause, 0);  // rung 1: n 1
  s = asha.suggest(1);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_DECISION(s[0], start, 3);

  EXPECT_DECISION(report(asha, 3, 1, 0.30), proceed, 3);  // rung 0 n 4: 3 and 2 the candidates
  d = report(asha, 2, 2, 0.35);                           // rung 1 n 2: trial 2 its best
  EXPECT_DECISION(d, proceed, 2);
  EXPECT_EQ(d.until_resource, 4);
  EXPECT_DECISION(report(asha, 3, 2, 0.50), pause, 3);  // rung 1 n 3: trial 2 (promoted) only
  s = asha.suggest(1);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_DECISION(s[0], start, 4);

  EXPECT_DECISION(report(asha, 4, 1, 0.45), pause, 4);  // rung 0 n 5: top 2 (3, 2) promoted
  s = asha.suggest(1);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_DECISION(s[0], start, 5);  // the last trial of the budget

  // A tie: trial 5 equals trial 4 (0.45); rung 0 n 6 gives 3 candidates 3, 2, 4 — the
  // earlier arrival wins the tie, so trial 4 is next, not trial 5.
  EXPECT_DECISION(report(asha, 5, 1, 0.45), pause, 5);
  s = asha.suggest(2);
  ASSERT_EQ(s.size(), 1u);  // one promotion; the budget allows no new trial
  EXPECT_DECISION(s[0], promote, 4);
  EXPECT_EQ(s[0].from_resource, 1);
  EXPECT_EQ(s[0].until_resource, 2);

  // Rung 2: n 1, floor(1/2) = 0; but every trial of the budget is started, so the rung will
  // not fill up to eta: its best goes on (at least one per rung from now on), to the end.
  d = report(asha, 2, 4, 0.20);
  EXPECT_DECISION(d, proceed, 2);
  EXPECT_EQ(d.until_resource, 8);
  // A late result lifts trial 4 into rung 1's top 2 (4, 2) past trials 0 and 3.
  d = report(asha, 4, 2, 0.30);
  EXPECT_DECISION(d, proceed, 4);
  EXPECT_EQ(d.until_resource, 4);
  EXPECT_TRUE(asha.suggest(1).empty());
  // Rung 2 n 2: the candidate is trial 2 (0.20, promoted already), not 4 (0.25): 4 pauses.
  EXPECT_DECISION(report(asha, 4, 4, 0.25), pause, 4);
  EXPECT_TRUE(asha.suggest(1).empty());
  EXPECT_DECISION(report(asha, 2, 8, 0.15), proceed, 2);
  asha.onEnded(2, TrialEnd::completed);
  EXPECT_TRUE(asha.suggest(2).empty());

  EXPECT_EQ(entriesOf(asha, 0), (std::vector<TrialId>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(entriesOf(asha, 1), (std::vector<TrialId>{0, 2, 3, 4}));
  EXPECT_EQ(entriesOf(asha, 2), (std::vector<TrialId>{2, 4}));
  EXPECT_EQ(asha.rungs()[0].promoted, (std::set<TrialId>{0, 2, 3, 4}));
  EXPECT_EQ(asha.rungs()[1].promoted, (std::set<TrialId>{2, 4}));
  EXPECT_EQ(asha.rungs()[2].promoted, (std::set<TrialId>{2}));
  const auto& t = asha.trials();
  EXPECT_EQ(t.at(2).status, TrialStatus::completed);
  for (TrialId id : {0, 1, 3, 4, 5}) EXPECT_EQ(t.at(id).status, TrialStatus::paused) << id;
}

TEST(AshaPromoteMode, HigherRungCandidatesGoFirst) {
  // eta 2, rungs at 1 and 2, to the end at 4, five trials.
  auto asha = makeAsha(AshaMode::promote, 5, 2, 1, 4);
  asha.suggest(2);
  EXPECT_DECISION(report(asha, 0, 1, 0.50), pause, 0);
  EXPECT_DECISION(asha.suggest(1).at(0), start, 2);
  EXPECT_DECISION(report(asha, 1, 1, 0.40), proceed, 1);  // rung 0 n 2: trial 1 the candidate
  EXPECT_DECISION(report(asha, 2, 1, 0.60), pause, 2);    // n 3: still only trial 1
  EXPECT_DECISION(asha.suggest(1).at(0), start, 3);
  EXPECT_DECISION(report(asha, 1, 2, 0.30), pause, 1);  // rung 1 n 1
  EXPECT_DECISION(asha.suggest(1).at(0), start, 4);
  // Rung 0 n 4: its candidates are 1 (promoted) and 3; but no trial is left to start, so
  // rung 1's lone result, trial 1, is a candidate too, and the higher rung goes first:
  // trial 3 pauses and the slot it frees promotes trial 1.
  EXPECT_DECISION(report(asha, 3, 1, 0.45), pause, 3);
  auto s = asha.suggest(1);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_DECISION(s[0], promote, 1);
  EXPECT_EQ(s[0].from_resource, 2);
  EXPECT_EQ(s[0].until_resource, 4);
  // Trial 4 arrives best at rung 0 (n 5: the top 2 are 4 and 1) and goes on in place; trial 3,
  // a candidate a moment ago, is one no longer.
  EXPECT_DECISION(report(asha, 4, 1, 0.10), proceed, 4);
  EXPECT_TRUE(asha.suggest(1).empty());
  EXPECT_EQ(asha.trials().at(3).status, TrialStatus::paused);
}

// bench/sweep_arithmetic, seed 2 (eta 3, rungs at 1 and 3 epochs, to the end at 4, 8 trials):
// rung 1 ended with 2 results, floor(2/3) = 0, and the sweep stopped with its two best
// trials paused at 3 epochs. With the budget's trials all started, each rung's best goes on.
TEST(AshaPromoteMode, OnceEveryTrialIsStartedEachRungSendsOnAtLeastItsBest) {
  auto asha = makeAsha(AshaMode::promote, 4, 3, 1, 4);
  ASSERT_EQ(asha.suggest(1).size(), 1u);
  EXPECT_DECISION(report(asha, 0, 1, 0.50), pause, 0);  // n 1, more trials to come: waits
  EXPECT_DECISION(asha.suggest(1).at(0), start, 1);
  EXPECT_DECISION(report(asha, 1, 1, 0.40), pause, 1);  // n 2, floor(2/3) = 0
  EXPECT_DECISION(asha.suggest(1).at(0), start, 2);
  EXPECT_DECISION(report(asha, 2, 1, 0.60), pause, 2);  // n 3: trial 1 is the candidate
  auto s = asha.suggest(1);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_DECISION(s[0], promote, 1);
  EXPECT_EQ(s[0].until_resource, 3);
  // Rung 1 n 1: trial 3 is still to be started, so the rung may still grow: trial 1 pauses.
  EXPECT_DECISION(report(asha, 1, 3, 0.30), pause, 1);
  s = asha.suggest(1);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_DECISION(s[0], start, 3);  // the last of the budget
  // Rung 0 n 4: floor(4/3) = 1 (trial 1, promoted); trial 3 (0.55) is not its best. Rung 1
  // n 1 would need 3 results for a candidate; with no trial left to start its best, trial 1,
  // is promoted to the end instead of idling the slot.
  EXPECT_DECISION(report(asha, 3, 1, 0.55), pause, 3);
  s = asha.suggest(1);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_DECISION(s[0], promote, 1);
  EXPECT_EQ(s[0].from_resource, 3);
  EXPECT_EQ(s[0].until_resource, 4);
  EXPECT_DECISION(report(asha, 1, 4, 0.25), proceed, 1);
  asha.onEnded(1, TrialEnd::completed);
  // Rung 0's best went on long ago; nothing more is promoted: the sweep is over.
  EXPECT_TRUE(asha.suggest(1).empty());
  EXPECT_EQ(asha.rungs()[1].promoted, (std::set<TrialId>{1}));
}

TEST(AshaPromoteMode, FailedTrialsKeepTheirResultsButAreNeverPromoted) {
  auto asha = makeAsha(AshaMode::promote, 4, 2);
  asha.suggest(3);
  EXPECT_DECISION(report(asha, 0, 1, 0.2), pause, 0);
  asha.onEnded(0, TrialEnd::failed);  // its pause checkpoint is unusable
  EXPECT_EQ(asha.trials().at(0).status, TrialStatus::failed);
  // Rung 0 n 2: trial 0 is first but cannot be promoted; trial 1 is not in the top 1.
  EXPECT_DECISION(report(asha, 1, 1, 0.5), pause, 1);
  EXPECT_DECISION(asha.suggest(1).at(0), start, 3);
  EXPECT_DECISION(report(asha, 2, 1, 0.3), pause, 2);  // n 3: top 1 is still trial 0
  // n 4: top 2 are trials 0 and 2; trial 2 is the candidate, so trial 3 pauses.
  EXPECT_DECISION(report(asha, 3, 1, 0.4), pause, 3);
  const auto s = asha.suggest(1);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_DECISION(s[0], promote, 2);
  EXPECT_EQ(asha.rungs()[0].entries.size(), 4u);
}

TEST(AshaPromoteMode, LateReportFromAPausedTrialChangesNothing) {
  auto asha = makeAsha(AshaMode::promote, 3, 2);  // a third trial still to come: rung 0 may grow
  asha.suggest(2);
  EXPECT_DECISION(report(asha, 0, 1, 0.5), pause, 0);
  // The job had already run past the rung when the pause arrived.
  const auto late = report(asha, 0, 2, 0.1);
  EXPECT_DECISION(late, pause, 0);
  EXPECT_EQ(asha.trials().at(0).resource, 1);
  EXPECT_EQ(asha.rungs()[1].entries.size(), 0u);
}

}  // namespace
}  // namespace cog::coord::sweep
