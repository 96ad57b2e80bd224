#include "worker/report/jsonl_reporter.hpp"

#include "common/error.hpp"
#include "comms/wire/jsonl_codec.hpp"

namespace cog::worker {

JsonlReporter::JsonlReporter(const std::string& path) : out_(path, std::ios::app) {
  if (!out_) throw DataError(path + ": cannot open metrics file for appending");
}

void JsonlReporter::write(const wire::Message& message) {
  out_ << wire::encodeJsonLine(message) << "\n" << std::flush;
}

}  // namespace cog::worker
