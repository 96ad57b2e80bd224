#pragma once
// What the coordinator prints: the compact job table every few seconds and the summary at
// the end. Plain functions of store rows, so they are tested without a running coordinator.
#include <map>
#include <string>
#include <vector>

#include "coordinator/store/records.hpp"

namespace cog::coord {

// job | attempt | state | epoch/step | loss | best val | tokens/s | ETA
std::string formatStatusTable(const std::vector<JobRow>& jobs);

// Per job: final state, best val loss, exact match, attempts, the last validation (with its
// weakest family and operand class where reported) and every decision taken (the
// coordinator's events for that job). `last_validations` maps job id -> its newest
// validation's scalars (absent: never validated).
std::string formatSummary(const std::vector<JobRow>& jobs, const std::vector<EventRow>& decisions,
                          const std::map<std::string, Scalars>& last_validations = {});

// "val_loss 0.4087, exact_match 0.992, distinct_1 0.31", and where the worker reports exact
// match per family or operand class, the weakest of each: ", weakest class one_digit 0.82".
std::string describeValidation(const Scalars& scalars);

// "12.3", "-" for NaN; durations as "4m05s".
std::string formatValue(double value, int precision = 4);
std::string formatDuration(double seconds);

}  // namespace cog::coord
