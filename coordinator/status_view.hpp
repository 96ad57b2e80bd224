#pragma once
// What the coordinator prints: the compact job table every few seconds and the summary at
// the end. Plain functions of store rows, so they are tested without a running coordinator.
#include <string>
#include <vector>

#include "coordinator/store/records.hpp"

namespace cog::coord {

// job | attempt | state | epoch/step | loss | best val | tokens/s | ETA
std::string formatStatusTable(const std::vector<JobRow>& jobs);

// Per job: final state, best val loss, exact match, attempts, and every decision taken
// (the coordinator's events for that job).
std::string formatSummary(const std::vector<JobRow>& jobs, const std::vector<EventRow>& decisions);

// "12.3", "-" for NaN; durations as "4m05s".
std::string formatValue(double value, int precision = 4);
std::string formatDuration(double seconds);

}  // namespace cog::coord
