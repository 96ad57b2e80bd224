#pragma once
// From one `data.sources[i]` entry to its records: checks the entry, picks the loader for
// its kind, and applies the source's max_difficulty filter. Caps and the split are the
// DataSet's job (they need the data seed).
#include <string>
#include <vector>

#include "worker/data/data_config.hpp"
#include "worker/data/load_result.hpp"
#include "worker/data/warning_sink.hpp"

namespace cog::data {

// Source kinds and their loaders, for error messages and docs.
std::vector<std::string> knownSourceKinds();

// The name a source is reported under: its `name`, or its `kind` when that is empty.
std::string sourceName(const SourceConfig& source);

// Checks every entry without touching the filesystem: unknown kind, weight < 0 or not
// finite, cap < 0, synthetic count ≤ 0, max_difficulty outside 1..4, duplicate names, an
// empty list. Throws ConfigError naming `data.sources[i].<key>` and the value.
void validateSources(const std::vector<SourceConfig>& sources);

// Records of source `index` (already validated), with those above max_difficulty
// removed (`filtered` says how many). A missing or unreadable file throws DataError
// naming the path and `data.sources[index].path`; a max_difficulty that removes every
// record throws ConfigError naming `data.sources[index].max_difficulty`.
struct SourceLoad {
  LoadResult load;
  int64_t filtered = 0;
};
SourceLoad loadSource(const SourceConfig& source, size_t index, const WarningSink& warn);

}  // namespace cog::data
