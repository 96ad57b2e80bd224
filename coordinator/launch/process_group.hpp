#pragma once
// Process-group helpers shared by the local launcher and `cogcoord resume`.
#include <chrono>
#include <cstdint>

namespace cog::coord {

// True while any non-zombie process belongs to process group `group` (read from /proc:
// an orphan's zombie may linger when no one reaps it, and kill(-g, 0) would count it).
bool processGroupAlive(int64_t group);

// SIGTERM to the group, then SIGKILL if it is still alive after `grace`; waits (bounded,
// a few seconds) until it is gone. Returns true if SIGKILL was needed.
bool terminateProcessGroup(int64_t group, std::chrono::milliseconds grace);

}  // namespace cog::coord
