#include "coordinator/http/log_tail.hpp"

#include <fstream>

namespace cog::coord {

LogChunk readLogChunk(const std::filesystem::path& file, int64_t since, int64_t limit) {
  LogChunk chunk;
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) {
    chunk.since = chunk.next = since;
    return chunk;
  }
  chunk.size = static_cast<int64_t>(size);
  chunk.since = since > chunk.size ? 0 : since;
  const int64_t available = chunk.size - chunk.since;
  const int64_t take = std::min(available, limit);
  chunk.truncated = available > limit;
  std::ifstream in(file, std::ios::binary);
  in.seekg(chunk.since);
  chunk.text.resize(static_cast<size_t>(take));
  in.read(chunk.text.data(), take);
  chunk.text.resize(static_cast<size_t>(in.gcount()));
  chunk.next = chunk.since + static_cast<int64_t>(chunk.text.size());
  return chunk;
}

std::filesystem::path attemptLogFile(const std::filesystem::path& run_dir) { return run_dir / "worker.log"; }

std::filesystem::path rankLogsDir(const std::filesystem::path& run_dir) { return run_dir / "ranks"; }

std::filesystem::path rankLogFile(const std::filesystem::path& run_dir, int rank) {
  return rankLogsDir(run_dir) / ("rank." + std::to_string(rank)) / "stdout";
}

}  // namespace cog::coord
