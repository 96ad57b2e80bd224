#pragma once
// Loaders report skipped records through a callback instead of a global logger, so tests
// can capture warnings and a worker can route them to its own spdlog logger.
#include <functional>
#include <memory>
#include <string>

namespace spdlog {
class logger;
}

namespace cog::data {

// Receives one finished warning line, e.g. "train.jsonl:17: missing field 'answer'; skipped".
using WarningSink = std::function<void(const std::string&)>;

// A sink that forwards to logger->warn(). The logger must outlive the sink's uses.
WarningSink spdlogWarningSink(std::shared_ptr<spdlog::logger> logger);

// A sink that drops everything (callers that genuinely do not care).
WarningSink silentWarningSink();

}  // namespace cog::data
