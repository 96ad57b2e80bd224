#pragma once
// Reads a recorded RUN/metrics.jsonl (as cogworker writes it) into the coordinator's row
// structs, in file order, so policies can be replayed on real metric streams.
#include <optional>
#include <string>
#include <vector>

#include "coordinator/policy/policy.hpp"
#include "coordinator/policy/policy_set.hpp"

namespace cog::coord::test {

// Exactly one of the two is set.
struct RecordedReport {
  std::optional<MetricRow> metrics;
  std::optional<ValidationRow> validation;
};
using RecordedStream = std::vector<RecordedReport>;

// `name` is a file in COG_TEST_FIXTURES_DIR. Non-finite values written as the strings
// "nan", "inf", "-inf" become doubles; events are skipped. Throws std::runtime_error on a
// missing file or a malformed line.
RecordedStream loadRecordedStream(const std::string& name, int attempt = 1);

// Every verdict one policy gives over the whole stream (policies alone do not latch).
std::vector<Verdict> replayAll(Policy& policy, const RecordedStream& stream);

// The first verdict of the set over the stream, if any.
std::optional<Verdict> replayFirst(PolicySet& policies, const RecordedStream& stream);

}  // namespace cog::coord::test
