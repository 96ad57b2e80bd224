#pragma once
// For the config loaders' fuzz targets: input = YAML text, then a NUL, then one `--set`
// override per line. Returns the effective YAML the loaders would parse (what
// loadYamlWithOverrides does with a file), or nothing when the raw parser or an override
// refuses the input (the loaders turn both into a ConfigError naming the file).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/error.hpp"
#include "common/yaml_fields.hpp"

namespace cog::fuzz {

inline std::optional<std::string> effectiveYaml(const uint8_t* data, size_t size) {
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
  try {
    YAML::Node root = YAML::Load(in.substr(0, nul));
    for (const auto& o : overrides) applyYamlOverride(root, o);
    YAML::Emitter out;
    out << root;
    return std::string(out.c_str());
  } catch (const ConfigError&) {
    return std::nullopt;
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
}

}  // namespace cog::fuzz
