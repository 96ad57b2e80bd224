#pragma once
// Finding and ending processes through /proc: used by the local launcher, and by `cogcoord
// resume` to find an earlier attempt's processes by their environment rather than by a
// process-group id that a reboot or pid reuse may have given to someone else.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace cog::coord {

// True while any non-zombie process belongs to process group `group` (read from /proc:
// an orphan's zombie may linger when no one reaps it, and kill(-g, 0) would count it).
bool processGroupAlive(int64_t group);

// SIGTERM to the group, then SIGKILL if it is still alive after `grace`; waits (bounded,
// a few seconds) until it is gone. Returns true if SIGKILL was needed.
bool terminateProcessGroup(int64_t group, std::chrono::milliseconds grace);

// Live (non-zombie) processes whose environment holds exactly `entry` ("NAME=value").
// Processes whose environment cannot be read (another user's) are not found.
std::vector<int64_t> processesWithEnvironment(const std::string& entry);

// SIGTERM to every process of `pids` and to their process groups, then SIGKILL to those
// still alive after `grace`; waits (bounded, a few seconds) until they are gone. Returns
// true if SIGKILL was needed.
bool terminateProcesses(const std::vector<int64_t>& pids, std::chrono::milliseconds grace);

}  // namespace cog::coord
