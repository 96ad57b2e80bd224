#include "coordinator/launch/process_group.hpp"

#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace cog::coord {
namespace {

// /proc/PID/stat: "pid (comm) state ppid pgrp ..."; comm may contain spaces and ')', so
// parse after the last ')'.
bool memberOf(const std::filesystem::path& stat_file, int64_t group) {
  std::ifstream in(stat_file);
  std::string line;
  if (!std::getline(in, line)) return false;
  const auto close = line.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(line.substr(close + 1));
  char state = 0;
  long long ppid = 0, pgrp = 0;
  rest >> state >> ppid >> pgrp;
  return rest && pgrp == group && state != 'Z' && state != 'X';
}

}  // namespace

bool processGroupAlive(int64_t group) {
  if (group <= 0) return false;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (memberOf(entry.path() / "stat", group)) return true;
  }
  return false;
}

bool terminateProcessGroup(int64_t group, std::chrono::milliseconds grace) {
  using Clock = std::chrono::steady_clock;
  if (!processGroupAlive(group)) return false;
  ::kill(-static_cast<pid_t>(group), SIGTERM);
  const auto deadline = Clock::now() + grace;
  while (Clock::now() < deadline) {
    if (!processGroupAlive(group)) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(-static_cast<pid_t>(group), SIGKILL);
  const auto gone_by = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < gone_by && processGroupAlive(group)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace cog::coord
