#include "worker/data/warning_sink.hpp"

#include <spdlog/logger.h>

#include "common/error.hpp"

namespace cog::data {

WarningSink spdlogWarningSink(std::shared_ptr<spdlog::logger> logger) {
  if (!logger) throw InvariantError("spdlogWarningSink: null logger");
  return [logger = std::move(logger)](const std::string& line) { logger->warn("{}", line); };
}

WarningSink silentWarningSink() {
  return [](const std::string&) {};
}

}  // namespace cog::data
