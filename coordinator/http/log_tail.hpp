#pragma once
// Reading a growing log file from a byte offset, for GET /api/v1/jobs/{id}/logs and `cogctl
// logs -f`: the client asks again with since_bytes = the returned next_bytes.
#include <cstdint>
#include <filesystem>
#include <string>

namespace cog::coord {

struct LogChunk {
  std::string text;        // the bytes from `since` on, at most `limit` of them
  int64_t since = 0;
  int64_t next = 0;        // where the next request starts
  int64_t size = -1;       // the file's size now; -1 = the file does not exist (yet)
  bool truncated = false;  // more than `limit` bytes were waiting
};

// A `since` past the end (a file replaced by a shorter one) starts over at 0.
LogChunk readLogChunk(const std::filesystem::path& file, int64_t since, int64_t limit);

// Where an attempt's output goes (the launchers write there, the REST server reads it):
// every rank together in RUN/worker.log; with more than one rank, each rank's own output
// (stdout and stderr merged) in RUN/ranks/rank.N/stdout as well.
std::filesystem::path attemptLogFile(const std::filesystem::path& run_dir);
std::filesystem::path rankLogsDir(const std::filesystem::path& run_dir);
std::filesystem::path rankLogFile(const std::filesystem::path& run_dir, int rank);

}  // namespace cog::coord
