// libFuzzer target: a worker config (the YAML `cogworker train --config` reads) and --set
// overrides. Input: YAML, then a NUL, then one override per line. Anything may be refused
// with a ConfigError naming what is wrong; nothing else may escape, and nothing may crash.
#include <cstdint>

#include "common/error.hpp"
#include "tests/fuzz/fuzzed_yaml.hpp"
#include "worker/config/worker_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto yaml = cog::fuzz::effectiveYaml(data, size);
  if (!yaml) return 0;
  try {
    // Data and tokenizer files resolve against /nonexistent.
    cog::worker::parseWorkerConfig(*yaml, "fuzz.yaml", "/nonexistent");
  } catch (const cog::ConfigError&) {
  }
  return 0;
}
