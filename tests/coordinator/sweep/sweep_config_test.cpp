// Sweep files: what parses into what, and errors that name file, key path and value. The
// example files under configs/sweeps/ must load.
#include "coordinator/sweep/sweep_config.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "coordinator/sweep/asha_searcher.hpp"
#include "coordinator/sweep/searcher_factory.hpp"

namespace cog::coord::sweep {
namespace {

const std::string kFixtures = COG_TEST_FIXTURES_DIR;
const std::string kRepo = kFixtures + "/../../../..";

const std::string kMinimal = R"(name: lr
slots: 2
base:
  config: model.yaml
  overrides: [train.log_every=10]
space:
  optim.muon_lr: {loguniform: [0.005, 0.05]}
  train.batch_size: {choice: [16, 32]}
metric: {name: exact_match, mode: max}
budget: {max_trials: 8, max_concurrent: 2, unit: epochs, max_per_trial: 4}
searcher: {kind: asha, grace: 1, mode: promote}
)";

SweepConfig parse(const std::string& yaml) {
  return parseSweepConfig(yaml, "sweep.yaml", kFixtures);
}

// Replaces the first occurrence of `from` in the minimal file.
std::string edited(const std::string& from, const std::string& to) {
  std::string yaml = kMinimal;
  const auto at = yaml.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return yaml.replace(at, from.size(), to);
}

std::string errorOf(const std::string& yaml) {
  try {
    parse(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(SweepConfig, ParsesTheMinimalFileWithDefaults) {
  const auto c = parse(kMinimal);
  EXPECT_EQ(c.name, "lr");
  ASSERT_EQ(c.models.size(), 1u);
  EXPECT_EQ(c.models[0].name, "model");  // the config file's stem
  EXPECT_NE(c.models[0].config.find("fixtures/model.yaml"), std::string::npos);
  EXPECT_EQ(c.overrides, (std::vector<std::string>{"train.log_every=10"}));
  EXPECT_EQ(c.space.size(), 2u);
  EXPECT_EQ(c.metric.name, "exact_match");
  EXPECT_EQ(c.metric.mode, MetricMode::max);
  EXPECT_EQ(c.metric.score(0.9), -0.9);
  EXPECT_EQ(c.budget.max_trials, 8);
  EXPECT_EQ(c.budget.unit, ResourceUnit::epochs);
  EXPECT_EQ(c.resourceKey(), "train.epochs");
  EXPECT_EQ(c.searcher.kind, SearcherKind::asha);
  EXPECT_EQ(c.searcher.asha.eta, 4);  // the issue's default
  EXPECT_EQ(c.searcher.asha.mode, AshaMode::promote);
  EXPECT_EQ(c.seed, 0u);
  EXPECT_EQ(c.launcher.kind, "local");
  auto searcher = makeSearcher(c, 0);
  EXPECT_EQ(searcher->kind(), SearcherKind::asha);
  EXPECT_EQ(dynamic_cast<AshaSearcher&>(*searcher).rungs().size(),
            1u);  // 1 < 4 epochs; 4 is the end
}

TEST(SweepConfig, PbtDefaultsAreTheIssues) {
  const auto c = parse(edited("searcher: {kind: asha, grace: 1, mode: promote}",
                              "searcher: {kind: pbt, perturbation_interval: 1}"));
  EXPECT_EQ(c.searcher.kind, SearcherKind::pbt);
  EXPECT_EQ(c.searcher.pbt.quantile, 0.25);
  EXPECT_EQ(c.searcher.pbt.resample_probability, 0.25);
  EXPECT_EQ(c.searcher.pbt.factors, (std::vector<double>{0.8, 1.2}));
}

TEST(SweepConfig, SeveralModelsEachWithOverrides) {
  const auto c =
      parse(edited("  config: model.yaml\n",
                   "  models:\n    - {name: reasoning, config: model.yaml}\n"
                   "    - {name: memory, config: model.yaml, overrides: [model.d_mem=192]}\n"));
  ASSERT_EQ(c.models.size(), 2u);
  EXPECT_EQ(c.models[1].name, "memory");
  EXPECT_EQ(c.models[1].overrides, (std::vector<std::string>{"model.d_mem=192"}));
  EXPECT_EQ(c.modelSeed(1), 1u);
}

TEST(SweepConfig, OverridesFromTheCommandLineApply) {
  const auto c =
      loadSweepConfig(kRepo + "/configs/sweeps/lr_tiny.yaml", {"budget.max_trials=3", "seed=5"});
  EXPECT_EQ(c.budget.max_trials, 3);
  EXPECT_EQ(c.seed, 5u);
  EXPECT_NE(c.yaml.find("max_trials: 3"), std::string::npos);
}

TEST(SweepConfig, TheExampleFilesLoad) {
  const auto tiny = loadSweepConfig(kRepo + "/configs/sweeps/lr_tiny.yaml");
  EXPECT_LE(tiny.budget.max_concurrent * tiny.trial_slots, tiny.slots);
  EXPECT_LE(tiny.slots, 2);
  for (size_t m = 0; m < tiny.models.size(); ++m) EXPECT_NO_THROW(makeSearcher(tiny, m));
  const auto phase1 = loadSweepConfig(kRepo + "/configs/sweeps/phase1_asha.yaml");
  ASSERT_EQ(phase1.models.size(), 3u);
  EXPECT_EQ(phase1.models[0].name, "reasoning");
  EXPECT_EQ(phase1.models[1].name, "memory");
  EXPECT_EQ(phase1.models[2].name, "speed");
  EXPECT_EQ(phase1.searcher.kind, SearcherKind::asha);
  for (size_t m = 0; m < phase1.models.size(); ++m) EXPECT_NO_THROW(makeSearcher(phase1, m));
}

struct BadCase {
  std::string from, to, expected;
};

TEST(SweepConfig, ErrorsNameFileKeyAndValue) {
  const std::vector<BadCase> cases = {
      {"mode: max", "mode: maximum", "sweep.yaml:9: metric.mode = maximum: expected min or max"},
      {"grace: 1,", "grace: 1, eta: 1,", "searcher.eta = 1: must be at least 2"},
      {"grace: 1,", "grace: 4,",
       "searcher.grace = 4: must be at least 1 and below budget.max_per_trial (4)"},
      {"mode: promote", "mode: halve", "searcher.mode = halve: expected stop or promote"},
      {"kind: asha", "kind: hyperband",
       "searcher.kind = hyperband: expected grid, random, asha or pbt"},
      {"grace: 1, mode: promote", "perturbation_interval: 2",
       "unknown key searcher.perturbation_interval"},
      {"kind: asha, grace: 1, mode: promote", "kind: grid",
       "searcher.kind = grid: space.optim.muon_lr is loguniform; a grid needs choice, int or qint "
       "parameters"},
      {"kind: asha, grace: 1, mode: promote", "kind: pbt, quantile: 0.7",
       "searcher.quantile = 0.7: must be in (0, 0.5]"},
      {"kind: asha, grace: 1, mode: promote", "kind: pbt, factors: [0.8, -1]",
       "searcher.factors = [0.8, -1]: factors must be > 0"},
      {"max_concurrent: 2", "max_concurrent: 3",
       "budget.max_concurrent = 3: with base.slots 1 per trial, more than the pool's 2 slots"},
      {"unit: epochs", "unit: hours", "budget.unit = hours: expected epochs or steps"},
      {"max_per_trial: 4", "max_per_trial: 0", "budget.max_per_trial = 0: must be at least 1"},
      {"max_per_trial: 4", "max_per_trial: four",
       "budget.max_per_trial = four: expected an integer"},
      {"config: model.yaml", "config: nowhere.yaml", "base.config = "},
      {"train.log_every=10", "optim.muon_lr=0.01",
       "base.overrides = 'optim.muon_lr=0.01': optim.muon_lr is in space: the searcher sets it"},
      {"train.log_every=10", "train.epochs=9",
       "base.overrides = 'train.epochs=9': train.epochs is set for each trial from "
       "budget.max_per_trial"},
      {"train.log_every=10", "oops", "base.overrides = 'oops': expected key.path=value"},
      {"  train.batch_size: {choice: [16, 32]}\n", "  train.epochs: {int: [1, 4]}\n",
       "sweep.yaml:8: space.train.epochs = {int: [1, 4]}: set for each trial from "
       "budget.max_per_trial; it cannot be searched"},
      {"optim.muon_lr: {loguniform: [0.005, 0.05]}", "optim.muon_lr: {loguniform: [0, 0.05]}",
       "sweep.yaml:7: space.optim.muon_lr.loguniform = [0, 0.05]: needs 0 < low"},
      {"name: lr\n", "name: 'my sweep'\n", "name = 'my sweep': must be A-Z a-z 0-9 _ . -"},
      {"slots: 2\n", "slots: 2\nextra: 1\n", "sweep.yaml:3: unknown key extra"},
      {"metric: {name: exact_match, mode: max}", "metric: {name: exact_match}",
       "metric.mode = missing (required)"},
  };
  for (const auto& c : cases) {
    const std::string error = errorOf(edited(c.from, c.to));
    EXPECT_NE(error.find(c.expected), std::string::npos)
        << "changing '" << c.from << "' to '" << c.to << "' gave: " << error;
    EXPECT_EQ(error.rfind("sweep.yaml", 0), 0u) << error;  // every message begins with the file
  }
  // PBT's population is max_trials and needs two.
  std::string one = edited("max_trials: 8", "max_trials: 1");
  one.replace(one.find("kind: asha, grace: 1, mode: promote"), 35, "kind: pbt");
  EXPECT_NE(
      errorOf(one).find(
          "searcher.kind = pbt: budget.max_trials 1 is the population and must be at least 2"),
      std::string::npos)
      << errorOf(one);
  // A grid larger than max_trials.
  std::string grid =
      edited("  optim.muon_lr: {loguniform: [0.005, 0.05]}\n", "  model.t_max: {int: [1, 5]}\n");
  grid.replace(grid.find("kind: asha, grace: 1, mode: promote"), 35, "kind: grid");
  EXPECT_NE(errorOf(grid).find(
                "searcher.kind = grid: the grid has 10 points, more than budget.max_trials 8"),
            std::string::npos)
      << errorOf(grid);
  std::string huge = edited("  optim.muon_lr: {loguniform: [0.005, 0.05]}\n",
                            "  model.t_max: {int: [1, 1000000]}\n");
  huge.replace(huge.find("kind: asha, grace: 1, mode: promote"), 35, "kind: grid");
  huge.replace(huge.find("max_trials: 8, "), 15, "");
  EXPECT_NE(
      errorOf(huge).find("searcher.kind = grid: the grid has 2000000 points, more than 100000"),
      std::string::npos)
      << errorOf(huge);
  // Two models of one name.
  const std::string twins = edited(
      "  config: model.yaml\n",
      "  models:\n    - {name: a, config: model.yaml}\n    - {name: a, config: model.yaml}\n");
  EXPECT_NE(errorOf(twins).find("base.models[1].name = a: used by two models"), std::string::npos)
      << errorOf(twins);
  // Neither or both of base.config and base.models.
  EXPECT_NE(
      errorOf(edited("  config: model.yaml\n", "")).find("base.config = give either base.config"),
      std::string::npos)
      << errorOf(edited("  config: model.yaml\n", ""));
}

}  // namespace
}  // namespace cog::coord::sweep
