// libFuzzer target: an experiment file and --set overrides. Input: YAML, then a NUL, then one
// override per line. Anything may be refused with a ConfigError naming what is wrong; nothing
// else may escape, and nothing may crash.
#include <cstdint>

#include "common/error.hpp"
#include "coordinator/experiment/experiment_config.hpp"
#include "tests/fuzz/fuzzed_yaml.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto yaml = cog::fuzz::effectiveYaml(data, size);
  if (!yaml) return 0;
  try {
    // Job configs resolve against /nonexistent: they fail as "no such file" after every
    // other key of the job was read and checked.
    cog::coord::parseExperimentConfig(*yaml, "fuzz.yaml", "/nonexistent");
  } catch (const cog::ConfigError&) {
  }
  return 0;
}
