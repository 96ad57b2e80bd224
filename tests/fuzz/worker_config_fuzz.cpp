// libFuzzer target: a worker config (the YAML `cogworker train --config` reads) and --set
// overrides. Input: YAML, then a NUL, then one override per line. Anything may be refused
// with a ConfigError naming what is wrong; nothing else may escape, and nothing may crash.
#include <cstdint>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/error.hpp"
#include "common/yaml_fields.hpp"
#include "worker/config/worker_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string in(reinterpret_cast<const char*>(data), size);
  const size_t nul = in.find('\0');
  std::vector<std::string> overrides;
  if (nul != std::string::npos) {
    for (size_t start = nul + 1; start <= in.size();) {
      size_t end = in.find('\n', start);
      if (end == std::string::npos) end = in.size();
      overrides.push_back(in.substr(start, end - start));
      start = end + 1;
    }
  }
  std::string effective;
  try {
    // What loadYamlWithOverrides does with a file, on the fuzzer's text.
    YAML::Node root = YAML::Load(in.substr(0, nul));
    for (const auto& o : overrides) cog::applyYamlOverride(root, o);
    YAML::Emitter out;
    out << root;
    effective = out.c_str();
  } catch (const cog::ConfigError&) {
    return 0;
  } catch (const YAML::Exception&) {
    return 0;  // the raw parser's refusal; the loaders report it as a ConfigError naming the file
  }
  try {
    // Data and tokenizer files resolve against /nonexistent.
    cog::worker::parseWorkerConfig(effective, "fuzz.yaml", "/nonexistent");
  } catch (const cog::ConfigError&) {
  }
  return 0;
}
