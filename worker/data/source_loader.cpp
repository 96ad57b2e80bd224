#include "worker/data/source_loader.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "common/error.hpp"
#include "worker/data/record_loaders.hpp"
#include "worker/data/synthetic_generator.hpp"

namespace cog::data {
namespace {

std::string key(size_t index, const char* field) {
  return "data.sources[" + std::to_string(index) + "]." + field;
}

bool isArcKind(const std::string& kind) {
  return kind == "arc" || kind == "arc_easy" || kind == "arc_challenge";
}

LoadResult loadFile(const SourceConfig& source, const WarningSink& warn) {
  if (source.kind == "gsm8k") return loadGsm8k(source.path, warn);
  if (source.kind == "svamp") return loadSvamp(source.path, warn);
  if (source.kind == "mbpp") return loadMbpp(source.path, warn);
  if (isArcKind(source.kind)) return loadArc(source.path, source.kind, warn);
  if (source.kind == "hellaswag") return loadHellaSwag(source.path, warn);
  if (source.kind == "qa") return loadQa(source.path, warn);
  throw InvariantError("loadFile: unvalidated kind '" + source.kind + "'");
}

// Drops the records whose family is not in source.families (nothing when it is empty);
// counts them in `filtered`. A list that keeps nothing names the families that exist.
void keepFamilies(const SourceConfig& source, size_t index, SourceLoad& result) {
  if (source.families.empty()) return;
  auto& records = result.load.records;
  std::set<std::string> present;
  for (const auto& r : records) present.insert(r.family);
  const auto unwanted = [&](const QaRecord& r) {
    return std::find(source.families.begin(), source.families.end(), r.family) == source.families.end();
  };
  const size_t before = records.size();
  records.erase(std::remove_if(records.begin(), records.end(), unwanted), records.end());
  result.filtered += static_cast<int64_t>(before - records.size());
  if (!records.empty()) return;
  std::string wanted, found;
  for (const auto& f : source.families) wanted += (wanted.empty() ? "" : ", ") + f;
  for (const auto& f : present) found += (found.empty() ? "" : ", ") + (f.empty() ? "(none)" : f);
  throw ConfigError(key(index, "families") + ": [" + wanted + "] keeps none of the " +
                    std::to_string(before) + " records (their families: " + found + ")");
}

}  // namespace

std::vector<std::string> knownSourceKinds() {
  return {"synthetic", "gsm8k", "svamp", "mbpp", "arc", "arc_easy", "arc_challenge", "hellaswag", "qa"};
}

std::string sourceName(const SourceConfig& source) {
  return source.name.empty() ? source.kind : source.name;
}

void validateSources(const std::vector<SourceConfig>& sources) {
  if (sources.empty()) throw ConfigError("data.sources: no source configured");
  std::set<std::string> names;
  for (size_t i = 0; i < sources.size(); ++i) {
    const SourceConfig& s = sources[i];
    const std::vector<std::string> kinds = knownSourceKinds();
    if (std::find(kinds.begin(), kinds.end(), s.kind) == kinds.end()) {
      std::string known;
      for (const auto& k : kinds) known += (known.empty() ? "" : ", ") + k;
      throw ConfigError(key(i, "kind") + ": unknown source kind '" + s.kind + "' (known: " + known +
                        ")");
    }
    if (!std::isfinite(s.weight) || s.weight < 0) {
      throw ConfigError(key(i, "weight") + ": " + std::to_string(s.weight) +
                        " must be a finite number >= 0");
    }
    if (s.cap < 0) {
      throw ConfigError(key(i, "cap") + ": " + std::to_string(s.cap) + " must be >= 0 (0 = all)");
    }
    if (s.max_difficulty < 1 || s.max_difficulty > 4) {
      throw ConfigError(key(i, "max_difficulty") + ": " + std::to_string(s.max_difficulty) +
                        " outside 1..4");
    }
    if (s.min_difficulty < 1 || s.min_difficulty > s.max_difficulty) {
      throw ConfigError(key(i, "min_difficulty") + ": " + std::to_string(s.min_difficulty) +
                        " outside 1..max_difficulty (" + std::to_string(s.max_difficulty) + ")");
    }
    if (s.kind == "synthetic" && s.count <= 0) {
      throw ConfigError(key(i, "count") + ": " + std::to_string(s.count) +
                        " must be > 0 for a synthetic source");
    }
    if (s.kind != "synthetic" && s.path.empty()) {
      throw ConfigError(key(i, "path") + ": required for kind '" + s.kind + "'");
    }
    if (!names.insert(sourceName(s)).second) {
      throw ConfigError(key(i, "name") + ": duplicate source name '" + sourceName(s) +
                        "'; give each source of the same kind its own name");
    }
  }
}

SourceLoad loadSource(const SourceConfig& source, size_t index, const WarningSink& warn) {
  SourceLoad result;
  if (source.kind == "synthetic") {
    result.load.records = generateSynthetic(source.count, source.max_difficulty, source.seed,
                                              source.min_difficulty);
    keepFamilies(source, index, result);
    return result;
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(source.path, ec)) {
    throw DataError(
        key(index, "path") + ": " +
        (std::filesystem::exists(source.path, ec) ? "not a regular file: " : "file not found: ") +
        source.path);
  }
  try {
    result.load = loadFile(source, warn);
  } catch (const DataError& e) {
    throw DataError(key(index, "path") + ": " + e.what());
  }
  auto& records = result.load.records;
  const auto outside = [&](const QaRecord& r) {
    return r.difficulty > source.max_difficulty || r.difficulty < source.min_difficulty;
  };
  const size_t before = records.size();
  records.erase(std::remove_if(records.begin(), records.end(), outside), records.end());
  result.filtered = static_cast<int64_t>(before - records.size());
  if (records.empty()) {
    throw ConfigError(key(index, "max_difficulty") + ": " + std::to_string(source.max_difficulty) +
                      " leaves none of the " + std::to_string(before) + " records of " +
                      source.path + " (difficulty = length bucket, see difficulty.hpp)");
  }
  keepFamilies(source, index, result);
  return result;
}

}  // namespace cog::data
