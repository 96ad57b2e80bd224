#include <gtest/gtest.h>

#include "common/error.hpp"
#include "model/model_config.hpp"

namespace cog::model {
namespace {

// The message validate() throws, or "" when the config is valid.
std::string validationError(const ModelConfig& c) {
  try {
    c.validate();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ModelConfig, VariantsCarryTheirRecursionHaltingMemoryAndSeed) {
  auto reasoning = makeModelConfig("default", "reasoning");
  auto memory = makeModelConfig("default", "memory");
  auto speed = makeModelConfig("default", "speed");
  EXPECT_EQ(reasoning.t_max, 3);
  EXPECT_DOUBLE_EQ(reasoning.act_threshold, 0.95);
  EXPECT_EQ(reasoning.seed, 42u);
  EXPECT_EQ(memory.d_mem, 2 * reasoning.d_mem);
  EXPECT_GT(memory.mem_decay, reasoning.mem_decay);
  EXPECT_EQ(memory.seed, 1337u);
  EXPECT_LE(speed.t_max, 2);
  EXPECT_DOUBLE_EQ(speed.act_threshold, 0.99);
  EXPECT_EQ(speed.seed, 2023u);
  EXPECT_EQ(speed.activeStepWeights(), (std::vector<double>{0.5, 0.75, 1.0}));
}

TEST(ModelConfig, UnknownNamesAndBadValuesNameTheKey) {
  try {
    presetConfig("huge");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("model.preset = huge"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("tiny"), std::string::npos) << e.what();
  }
  EXPECT_THROW(makeModelConfig("tiny", "fast"), ConfigError);
  auto c = makeModelConfig("tiny", "speed");
  c.mem_decay = 1.5;
  const auto message = validationError(c);
  EXPECT_NE(message.find("model.mem_decay = 1.5"), std::string::npos) << message;
  c.mem_decay = 0.99;
  EXPECT_EQ(c.residual_init, "scaled");
  c.residual_init = "none";
  const auto init = validationError(c);
  EXPECT_NE(init.find("model.residual_init = none: expected scaled or zero"), std::string::npos) << init;
}

TEST(ModelConfig, PositionsAreLearnedOrRopeWithAnEvenHeadDim) {
  auto c = makeModelConfig("tiny", "reasoning");
  EXPECT_EQ(c.positions, "learned");
  c.positions = "absolute";
  const auto unknown = validationError(c);
  EXPECT_NE(unknown.find("model.positions = absolute: expected learned or rope"), std::string::npos) << unknown;
  c.positions = "rope";
  EXPECT_EQ(validationError(c), "");
  c.head_dim = 15;
  const auto odd = validationError(c);
  EXPECT_NE(odd.find("model.head_dim = 15: must be even with positions: rope"), std::string::npos) << odd;
}

}  // namespace
}  // namespace cog::model
