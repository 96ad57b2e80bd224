// PBT on synthetic learning curves: which trial exploits, whose checkpoint it copies and
// the perturbed hyperparameters, computed by hand from the documented draw order.
#include "coordinator/sweep/pbt_searcher.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "searcher_harness.hpp"

namespace cog::coord::sweep {
namespace {

using namespace testing;

// optim.muon_lr loguniform [0.001, 0.1], train.batch_size one of 16, 32, 64.
SearchSpace lrBatchSpace() {
  Param lr;
  lr.key = "optim.muon_lr";
  lr.kind = ParamKind::loguniform;
  lr.low = 0.001;
  lr.high = 0.1;
  Param batch;
  batch.key = "train.batch_size";
  batch.kind = ParamKind::choice;
  batch.options = {"16", "32", "64"};
  return SearchSpace({lr, batch});
}

PbtConfig pbtConfig(double resample_probability, std::vector<double> factors) {
  PbtConfig c;
  c.perturbation_interval = 2;
  c.quantile = 0.25;
  c.resample_probability = resample_probability;
  c.factors = std::move(factors);
  return c;
}

TEST(PbtExplore, MultipliesClipsRoundsAndMovesChoicesToANeighbour) {
  Param i;
  i.key = "model.t_max";
  i.kind = ParamKind::integer;
  i.low = 1;
  i.high = 8;
  Param q;
  q.key = "model.d_mem";
  q.kind = ParamKind::qinteger;
  q.low = 0;
  q.high = 100;
  q.step = 25;
  SearchSpace space({lrBatchSpace().params()[0], lrBatchSpace().params()[1], i, q});
  RandomStream stream(1);
  // One factor: every draw picks it. x1.2: 0.05 -> 0.06, choice 1 -> 2, int 3 -> 3.6 -> 4,
  // qint 75 -> 90 -> the q grid's 100.
  EXPECT_EQ(explorePoint(space, {0.05, 1, 3, 75}, pbtConfig(0, {1.2}), stream),
            (Point{0.05 * 1.2, 2, 4, 100}));
  // Clipped at the bounds: 0.09 x 1.2 -> 0.1, choice 2 has no upper neighbour, 8 -> 8.
  EXPECT_EQ(explorePoint(space, {0.09, 2, 8, 100}, pbtConfig(0, {1.2}), stream),
            (Point{0.1, 2, 8, 100}));
  // x0.8: 0.05 -> 0.04, choice 1 -> 0, 3 -> 2.4 -> 2, 75 -> 60 -> 50.
  EXPECT_EQ(explorePoint(space, {0.05, 1, 3, 75}, pbtConfig(0, {0.8}), stream),
            (Point{0.05 * 0.8, 0, 2, 50}));
  // Resample probability 1: per parameter one draw to decide, then the domain's own draws.
  RandomStream ref(stream);
  const Point resampled = explorePoint(space, {0.05, 1, 3, 75}, pbtConfig(1, {0.8, 1.2}), stream);
  Point expected;
  for (size_t k = 0; k < space.size(); ++k) {
    ref.uniform();
    expected.push_back(space.sampleParam(k, ref));
  }
  EXPECT_EQ(resampled, expected);
}

TEST(PbtExplore, DrawsDecideResampleThenFactorPerParameter) {
  const auto space = lrBatchSpace();
  const auto config = pbtConfig(0.25, {0.8, 1.2});
  RandomStream stream(2024);
  RandomStream ref(2024);
  for (int round = 0; round < 50; ++round) {
    const Point from{0.01, 1};
    const Point got = explorePoint(space, from, config, stream);
    // lr
    double lr = 0;
    if (ref.uniform() < 0.25) {
      lr = space.sampleParam(0, ref);
    } else {
      lr = std::clamp(0.01 * (ref.index(2) == 0 ? 0.8 : 1.2), 0.001, 0.1);
    }
    // batch size: a neighbour of option 1
    double batch = 0;
    if (ref.uniform() < 0.25) {
      batch = space.sampleParam(1, ref);
    } else {
      batch = ref.index(2) == 0 ? 0 : 2;
    }
    ASSERT_EQ(got, (Point{lr, batch})) << "round " << round;
  }
}

// A population of four, perturbation checks every 2 epochs, trained to 10; quantile 0.25 of
// 4 ranked gives one bottom and one top trial.
TEST(PbtSearcher, ExploitsTheTopHealthyCheckpointAsHandComputed) {
  const auto config = pbtConfig(0, {0.8, 1.2});
  PbtSearcher pbt(lrBatchSpace(), minimise(), budget(4, 10), config, 3);
  RandomStream ref(3);

  const auto started = pbt.suggest(6);
  ASSERT_EQ(started.size(), 4u);
  for (TrialId t = 0; t < 4; ++t) {
    const auto& d = started[static_cast<size_t>(t)];
    EXPECT_DECISION(d, start, t);
    EXPECT_EQ(d.point, lrBatchSpace().sample(ref));
    EXPECT_EQ(d.until_resource, 2);
  }
  // Epoch 1: nobody is due.
  const double at1[] = {1.0, 0.8, 0.6, 0.7};
  for (TrialId t = 0; t < 4; ++t) {
    EXPECT_DECISION(report(pbt, t, 1, at1[t]), proceed, t);
    pbt.onCheckpoint(t, 1, true);
  }
  // Ranked 2 (0.6), 3, 1, 0: trial 3 is second, not the bottom.
  pbt.onCheckpoint(3, 2, true);
  EXPECT_DECISION(report(pbt, 3, 2, 0.65), proceed, 3);
  // Trial 2 leads, but its epoch-2 checkpoint is unhealthy.
  pbt.onCheckpoint(2, 2, false);
  EXPECT_DECISION(report(pbt, 2, 2, 0.40), proceed, 2);
  // Trial 0 is the bottom; the only top trial's newest checkpoint is unhealthy: no exploit.
  pbt.onCheckpoint(0, 2, true);
  auto d = report(pbt, 0, 2, 0.95);
  EXPECT_DECISION(d, proceed, 0);
  EXPECT_NE(d.reason.find("no top trial has a healthy checkpoint"), std::string::npos) << d.reason;
  // Trial 2 saves a healthy checkpoint at 3; not due (3 - 2 < 2).
  pbt.onCheckpoint(2, 3, true);
  EXPECT_DECISION(report(pbt, 2, 3, 0.35), proceed, 2);

  // Trial 1 (1.2) is the bottom of 2 (0.35), 3, 0, 1: it copies trial 2's checkpoint at 3.
  const Point source_point = pbt.trials().at(2).point;
  pbt.onCheckpoint(1, 2, true);
  d = report(pbt, 1, 2, 1.2);
  EXPECT_DECISION(d, exploit, 1);
  EXPECT_EQ(d.source, 2);
  EXPECT_EQ(d.from_resource, 3);
  EXPECT_EQ(d.until_resource, 5);
  EXPECT_EQ(ref.index(1), 0u);  // the draw that picks among the one eligible top trial
  ref.uniform();                // resample? never at probability 0
  const double lr_factor = ref.index(2) == 0 ? 0.8 : 1.2;
  ref.uniform();
  const double batch_step = ref.index(2) == 0 ? -1 : 1;
  const Point explored{std::clamp(source_point[0] * lr_factor, 0.001, 0.1),
                       std::clamp(source_point[1] + batch_step, 0.0, 2.0)};
  EXPECT_EQ(d.point, explored);
  const auto& t1 = pbt.trials().at(1);
  EXPECT_EQ(t1.point, explored);
  EXPECT_EQ(t1.resource, 3);
  EXPECT_EQ(*t1.metric, 0.35);  // it holds trial 2's weights now
  EXPECT_EQ(t1.checkpoint_resource, -1);
  EXPECT_EQ(t1.exploited_from, 2);
  EXPECT_EQ(t1.exploits, 1);

  // Non-finite: stopped and out of the ranking from now on.
  EXPECT_DECISION(report(pbt, 3, 3, kNaN), stop, 3);
  EXPECT_EQ(pbt.trials().at(3).status, TrialStatus::non_finite);

  // Trial 0 due at 4: ranked 1 (0.35, tie broken by id), 2 (0.35), 0 (0.9); n 3, one top:
  // trial 1, which has no checkpoint of its own since the copy. No exploit.
  d = report(pbt, 0, 4, 0.9);
  EXPECT_DECISION(d, proceed, 0);
  EXPECT_NE(d.reason.find("rank 3 of 3"), std::string::npos) << d.reason;

  pbt.onCheckpoint(2, 5, true);
  EXPECT_DECISION(report(pbt, 2, 5, 0.30), proceed, 2);  // due, rank 1
  // Trial 0 due at 6: ranked 2 (0.30), 1 (0.35), 0: copies trial 2 at 5.
  const Point source_point2 = pbt.trials().at(2).point;
  d = report(pbt, 0, 6, 0.85);
  EXPECT_DECISION(d, exploit, 0);
  EXPECT_EQ(d.source, 2);
  EXPECT_EQ(d.from_resource, 5);
  EXPECT_EQ(d.until_resource, 7);
  EXPECT_EQ(ref.index(1), 0u);
  ref.uniform();
  const double lr_factor2 = ref.index(2) == 0 ? 0.8 : 1.2;
  ref.uniform();
  const double batch_step2 = ref.index(2) == 0 ? -1 : 1;
  EXPECT_EQ(d.point, (Point{std::clamp(source_point2[0] * lr_factor2, 0.001, 0.1),
                            std::clamp(source_point2[1] + batch_step2, 0.0, 2.0)}));

  // Trial 2 reaches the end and leaves the population.
  EXPECT_DECISION(report(pbt, 2, 10, 0.2), proceed, 2);
  pbt.onEnded(2, TrialEnd::completed);
  EXPECT_EQ(pbt.trials().at(2).status, TrialStatus::completed);
  EXPECT_DECISION(report(pbt, 1, 4, 0.5), proceed, 1);  // not due: 4 - 3 < 2
  // Due at 5: ranked 0 (0.30 copied), 1 (0.5): trial 1 is the bottom of two; trial 0 has no
  // checkpoint since its copy, so no exploit.
  d = report(pbt, 1, 5, 0.5);
  EXPECT_DECISION(d, proceed, 1);
  EXPECT_NE(d.reason.find("rank 2 of 2"), std::string::npos) << d.reason;
  EXPECT_TRUE(pbt.suggest(1).empty());
}

TEST(PbtSearcher, PicksTheSourceAtRandomAmongTheTopQuantile) {
  // Eight trials: quantile 0.25 gives two top and two bottom ones.
  PbtSearcher pbt(lrBatchSpace(), minimise(), budget(8, 10), pbtConfig(0, {0.8, 1.2}), 5);
  RandomStream ref(5);
  pbt.suggest(8);
  for (int t = 0; t < 8; ++t) lrBatchSpace().sample(ref);
  // Epoch 1 (nobody due): trial t reports 0.1 * (t + 1), so 0 and 1 are the top, 6 and 7
  // the bottom.
  for (TrialId t = 0; t < 8; ++t) {
    report(pbt, t, 1, 0.1 * (t + 1));
    pbt.onCheckpoint(t, 1, true);
  }
  const auto d = report(pbt, 7, 2, 0.8);
  EXPECT_DECISION(d, exploit, 7);
  EXPECT_EQ(d.source, static_cast<TrialId>(ref.index(2)));
}

TEST(PbtSearcher, LateReportAfterAStopRepeatsIt) {
  PbtSearcher pbt(lrBatchSpace(), minimise(), budget(2, 10), pbtConfig(0, {0.8, 1.2}), 5);
  pbt.suggest(2);
  EXPECT_DECISION(report(pbt, 0, 1, kNaN), stop, 0);
  EXPECT_DECISION(report(pbt, 0, 2, 0.1), stop, 0);
  EXPECT_FALSE(pbt.trials().at(0).metric.has_value());
}

}  // namespace
}  // namespace cog::coord::sweep
