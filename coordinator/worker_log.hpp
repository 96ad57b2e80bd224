#pragma once
// Reads a worker's own record of an attempt, RUN/metrics.jsonl, through the wire's JSON-lines
// codec (comms/wire/jsonl_codec.hpp): the same messages the wire would have delivered. The
// coordinator reads it when an attempt ends and after its own restart, and stores what the
// wire lost (coordinator down, queue full) exactly once (the store's keys are idempotent).
#include <filesystem>
#include <string>
#include <vector>

#include "comms/wire/messages.hpp"

namespace cog::coord {

struct SkippedLine {
  int64_t line = 0;   // 1-based
  std::string error;  // why it did not decode
};

struct WorkerLog {
  std::vector<wire::Message> messages;  // in file order
  // Lines that did not decode: skipped, each named so the operator can look. The last line
  // of a log cut short by a crash is expected here.
  std::vector<SkippedLine> skipped;
};

// A missing file is an empty log.
WorkerLog readWorkerLog(const std::filesystem::path& metrics_jsonl);

}  // namespace cog::coord
