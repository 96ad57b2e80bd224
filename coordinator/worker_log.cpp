#include "coordinator/worker_log.hpp"

#include <fstream>

#include "comms/wire/jsonl_codec.hpp"

namespace cog::coord {

WorkerLog readWorkerLog(const std::filesystem::path& metrics_jsonl) {
  WorkerLog log;
  std::ifstream in(metrics_jsonl);
  std::string text;
  int64_t number = 0;
  while (std::getline(in, text)) {
    ++number;
    if (text.empty()) continue;
    auto line = wire::decodeJsonLine(text);
    if (line.message) {
      log.messages.push_back(std::move(*line.message));
    } else {
      log.skipped.push_back({number, std::move(line.error)});
    }
  }
  return log;
}

}  // namespace cog::coord
