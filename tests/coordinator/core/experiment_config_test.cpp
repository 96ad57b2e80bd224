// The experiment file: typed, validated once, errors naming file, key path and value.
#include "coordinator/experiment/experiment_config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/error.hpp"

namespace cog::coord {
namespace {

namespace fs = std::filesystem;

class ExperimentConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cog_experiment_" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "models");
    std::ofstream(dir_ / "models" / "m.yaml") << "model: {preset: tiny}\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& yaml) {
    const auto path = dir_ / "exp.yaml";
    std::ofstream(path) << yaml;
    return path.string();
  }
  std::string errorOf(const std::string& yaml, std::vector<std::string> overrides = {}) {
    try {
      loadExperimentConfig(write(yaml), overrides);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "no error";
  }

  fs::path dir_;
};

const char* kValid = R"(name: demo
slots: 2
jobs:
  - {name: a, config: models/m.yaml, ranks: 2, overrides: [train.epochs=1]}
  - {name: b, config: models/m.yaml}
policies:
  early_stopping: {patience: 4}
)";

TEST_F(ExperimentConfigTest, ParsesJobsPoliciesAndDefaults) {
  auto c = loadExperimentConfig(write(kValid));
  EXPECT_EQ(c.name, "demo");
  EXPECT_EQ(c.slots, 2);
  ASSERT_EQ(c.jobs.size(), 2u);
  EXPECT_EQ(c.jobs[0].ranks, 2);
  EXPECT_EQ(c.jobs[0].overrides, std::vector<std::string>{"train.epochs=1"});
  EXPECT_EQ(c.jobs[1].slots, 1);
  // Job configs resolve against the experiment's folder and are stored absolute.
  EXPECT_TRUE(fs::path(c.jobs[0].config).is_absolute());
  EXPECT_TRUE(fs::exists(c.jobs[0].config));
  EXPECT_EQ(c.policies.early_stopping.patience, 4);
  EXPECT_EQ(c.launcher.kind, "local");
  EXPECT_EQ(c.coordinator.wire, "tcp://127.0.0.1:0");
  EXPECT_EQ(c.coordinator.max_connections, 1024);
  EXPECT_EQ(loadExperimentConfig(write(kValid), {"coordinator.max_connections=8"}).coordinator.max_connections, 8);
  const auto error = errorOf(kValid, {"coordinator.max_connections=1"});  // 2 slots
  EXPECT_NE(error.find("coordinator.max_connections = 1: below slots (2)"), std::string::npos) << error;
}

TEST_F(ExperimentConfigTest, OverridesApplyToListItems) {
  auto c = loadExperimentConfig(write(kValid), {"jobs[1].ranks=3", "slots=4"});
  EXPECT_EQ(c.jobs[1].ranks, 3);
  EXPECT_EQ(c.slots, 4);
}

TEST_F(ExperimentConfigTest, StoredYamlParsesToTheSameExperiment) {
  auto c = loadExperimentConfig(write(kValid), {"slots=3"});
  auto again = parseExperimentConfig(c.yaml, c.source, dir_.string());
  EXPECT_EQ(again.slots, 3);
  EXPECT_EQ(again.jobs[0].config, c.jobs[0].config);
}

TEST_F(ExperimentConfigTest, ErrorsNameFileKeyAndValue) {
  EXPECT_NE(errorOf("slots: 1\njobs: [{name: a, config: models/m.yaml}]\n").find("name"), std::string::npos);
  const auto missing = errorOf("name: x\njobs: [{name: a, config: models/nope.yaml}]\n");
  EXPECT_NE(missing.find("jobs[0].config"), std::string::npos) << missing;
  EXPECT_NE(missing.find("nope.yaml"), std::string::npos) << missing;
  const auto dup = errorOf("name: x\nslots: 2\njobs: [{name: a, config: models/m.yaml}, {name: a, config: models/m.yaml}]\n");
  EXPECT_NE(dup.find("used by two jobs"), std::string::npos) << dup;
  const auto too_big = errorOf("name: x\nslots: 1\njobs: [{name: a, config: models/m.yaml, slots: 2}]\n");
  EXPECT_NE(too_big.find("jobs[0].slots"), std::string::npos) << too_big;
  const auto unknown = errorOf(std::string(kValid) + "lancher: {kind: local}\n");
  EXPECT_NE(unknown.find("lancher"), std::string::npos) << unknown;
  const auto kind = errorOf(std::string(kValid) + "launcher: {kind: pbs}\n");
  EXPECT_NE(kind.find("launcher.kind"), std::string::npos) << kind;
  EXPECT_NE(errorOf("name: x\njobs: []\n").find("no jobs"), std::string::npos);
  const auto ranks = errorOf(kValid, {"jobs[0].ranks=0"});
  EXPECT_NE(ranks.find("jobs[0].ranks = 0"), std::string::npos) << ranks;
}

// A job name becomes a folder of the state dir and a URL segment; durations must be sane.
TEST_F(ExperimentConfigTest, NamesAndDurationsAreBounded) {
  for (const std::string bad : {"..", ".", "a/b", "a b", "x;rm", "\"\""}) {
    const auto error = errorOf(kValid, {"jobs[0].name=" + bad});
    EXPECT_NE(error.find("jobs[0].name"), std::string::npos) << bad << ": " << error;
    EXPECT_NE(error.find("A-Z a-z 0-9"), std::string::npos) << bad << ": " << error;
  }
  EXPECT_NO_THROW(loadExperimentConfig(write(kValid), {"jobs[0].name=tiny-reasoning_v1.2"}));
  // YAML's .inf and .nan are not numbers to the reader: refused before the range check.
  for (const std::string set : {"coordinator.status_every_s=.inf", "launcher.stop_grace_s=.nan"}) {
    const auto error = errorOf(kValid, {set});
    EXPECT_NE(error.find(set.substr(0, set.find('=')) + " = ."), std::string::npos) << set << ": " << error;
  }
  struct Case {
    std::string set;
    std::string key;
  };
  for (const Case& c : {Case{"coordinator.status_every_s=0.01", "coordinator.status_every_s = 0.01"},
                        Case{"coordinator.flush_ms=0", "coordinator.flush_ms = 0"},
                        Case{"coordinator.max_connections=0", "coordinator.max_connections = 0"},
                        Case{"coordinator.max_connections=100000", "coordinator.max_connections = 100000"},
                        Case{"policies.restart.heartbeat_timeout_s=0.5", "policies.restart.heartbeat_timeout_s = 0.5"},
                        Case{"policies.restart.progress_timeout_s=-1", "policies.restart.progress_timeout_s = -1"},
                        Case{"policies.restart.startup_timeout_s=1e9", "policies.restart.startup_timeout_s = 1e9"}}) {
    const auto error = errorOf(kValid, {c.set});
    EXPECT_NE(error.find(c.key), std::string::npos) << c.set << ": " << error;
    EXPECT_NE(error.find("must be a finite number in"), std::string::npos) << c.set << ": " << error;
  }
}

}  // namespace
}  // namespace cog::coord
