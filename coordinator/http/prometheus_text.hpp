#pragma once
// The /metrics page: jobs as Prometheus text exposition format 0.0.4, one gauge family at a
// time (the format requires a family's samples to be contiguous), each with HELP and TYPE:
//   cog_job_step{job="reasoning"} 1200
//   cog_job_state{job="reasoning",state="running"} 1
//   cog_job_metric{job="reasoning",name="loss"} 2.31
// A NaN value is the store's "no value" and its sample is left out (an absent series reads
// better in PromQL than a NaN one); +/-infinity is written as +Inf / -Inf, as the format
// allows.
#include <string>
#include <vector>

#include "coordinator/store/records.hpp"

namespace cog::coord {

inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string prometheusText(const std::vector<JobRow>& jobs);

// Label values escape backslash, double quote and newline (the format's only escapes).
std::string prometheusLabelValue(const std::string& value);
// Shortest text that reads back to the same double; "+Inf", "-Inf", "NaN" for the others.
std::string prometheusNumber(double value);

}  // namespace cog::coord
