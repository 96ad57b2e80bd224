// The sweep driver run as the coordinator would run it, against simulated jobs with
// synthetic learning curves instead of workers (coordinator/sweep/simulated_cluster.hpp):
// slots are offered, jobs train one epoch per tick, validate, checkpoint, obey stops and
// relaunches from checkpoints. Shows ASHA-promote finding random search's best
// trial with a fraction of its epochs, and a coordinator "kill" (driver state saved,
// restored into a new driver) continuing the very same sweep.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

#include "coordinator/sweep/simulated_cluster.hpp"
#include "coordinator/sweep/sweep_driver.hpp"

namespace cog::coord::sweep {
namespace {

const std::string kFixtures = COG_TEST_FIXTURES_DIR;

SweepConfig config(const std::string& searcher, int max_trials, int64_t max_epochs) {
  const std::string yaml =
      "name: sim\nslots: 4\nbase: {config: model.yaml}\n"
      "space: {optim.muon_lr: {loguniform: [0.001, 0.3]}}\n"
      "seed: 11\nmetric: {name: val_loss, mode: min}\n"
      "budget: {max_trials: " +
      std::to_string(max_trials) +
      ", max_concurrent: 4, max_per_trial: " + std::to_string(max_epochs) +
      "}\nsearcher: " + searcher + "\n";
  return parseSweepConfig(yaml, "sim.yaml", kFixtures);
}

// Held-out loss after `epochs` epochs at learning rate `lr`: from 2.0 towards a floor that is
// lowest at lr 0.02, the same rate for all, so the ranking of trials never changes with
// training (ASHA's ideal case: the early rungs already rank correctly).
double curve(double lr, int64_t epochs) {
  const double d = std::log10(lr) - std::log10(0.02);
  const double floor = 0.3 + 0.5 * d * d;
  return floor + (2.0 - floor) * std::exp(-0.6 * static_cast<double>(epochs));
}

// The cluster's curve: every job's val_loss from its learning rate.
SimulatedCluster::Curve byLearningRate() {
  return [](const std::string&, const std::vector<std::string>& overrides, int64_t epochs) {
    const double lr = std::stod(overrideValue(overrides, "optim.muon_lr"));
    return Scalars{{"val_loss", curve(lr, epochs)}};
  };
}

TEST(SweepSimulation, AshaPromoteFindsRandomSearchsBestWithAFractionOfTheEpochs) {
  // 16 trials, rungs at 1 and 4 epochs (eta 4), 16 epochs at most.
  SweepDriver random(config("{kind: random}", 16, 16));
  SimulatedCluster random_cluster(4, byLearningRate());
  ASSERT_TRUE(random_cluster.run(random, 1000));
  SweepDriver asha(config("{kind: asha, grace: 1, eta: 4, mode: promote}", 16, 16));
  SimulatedCluster asha_cluster(4, byLearningRate());
  ASSERT_TRUE(asha_cluster.run(asha, 1000));

  EXPECT_EQ(random_cluster.epochsTrained(), 16 * 16);
  const auto best_random = random.ranking(0).front();
  const auto best_asha = asha.ranking(0).front();
  // The same seed draws the same 16 learning rates in the same order; ASHA trains its best
  // to the end.
  EXPECT_EQ(best_asha.trial, best_random.trial);
  EXPECT_EQ(best_asha.overrides.back(), best_random.overrides.back());  // the learning rate
  EXPECT_EQ(best_asha.resource, 16);
  EXPECT_EQ(*best_asha.metric, *best_random.metric);
  // 16 x 1 epoch + 4 x 3 + 1 x 12 = 40 with no mispromotion; asynchronous promotion adds a
  // few, still far under half of random search's 256.
  EXPECT_GE(asha_cluster.epochsTrained(), 40);
  EXPECT_LE(asha_cluster.epochsTrained(), 256 / 4);
  std::cout << "random search: " << random_cluster.epochsTrained()
            << " epochs; ASHA promote: " << asha_cluster.epochsTrained() << " epochs; best "
            << SweepDriver::setLine(best_asha) << " val_loss " << *best_asha.metric << "\n";
}

TEST(SweepSimulation, ACoordinatorKillAndResumeContinuesTheSameSweep) {
  const auto make = [] {
    return SweepDriver(config("{kind: asha, grace: 1, eta: 4, mode: promote}", 16, 16));
  };
  SweepDriver whole = make();
  SimulatedCluster whole_cluster(4, byLearningRate());
  ASSERT_TRUE(whole_cluster.run(whole, 1000));

  for (int kill_at : {1, 3, 6, 10}) {
    SweepDriver before = make();
    // The jobs and the store survive the coordinator.
    SimulatedCluster cluster(4, byLearningRate());
    ASSERT_FALSE(cluster.run(before, kill_at));
    const std::string stored = before.saveState().dump();
    SweepDriver after = make();
    after.restoreState(nlohmann::json::parse(stored));
    ASSERT_TRUE(cluster.run(after, 1000));
    EXPECT_EQ(cluster.log(), whole_cluster.log()) << "killed after " << kill_at << " ticks";
    EXPECT_EQ(cluster.epochsTrained(), whole_cluster.epochsTrained());
    EXPECT_EQ(after.saveState(), whole.saveState());
  }
}

TEST(SweepSimulation, PbtRunsThePopulationToTheEndWithExploits) {
  SweepDriver pbt(config("{kind: pbt, perturbation_interval: 2}", 4, 8));
  SimulatedCluster cluster(4, byLearningRate());
  ASSERT_TRUE(cluster.run(pbt, 1000));
  int relaunches = 0;
  for (const auto& line : cluster.log()) relaunches += line.rfind("relaunch", 0) == 0 ? 1 : 0;
  EXPECT_GT(relaunches, 0);
  for (const auto& t : pbt.searcher(0).trials().records()) {
    EXPECT_EQ(t.status, TrialStatus::completed) << t.id;
    EXPECT_EQ(t.resource, 8) << t.id;
  }
}

}  // namespace
}  // namespace cog::coord::sweep
