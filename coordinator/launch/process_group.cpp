#include "coordinator/launch/process_group.hpp"

#include <signal.h>
#include <unistd.h>

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
struct ProcStat {
  char state = 0;
  long long pgrp = 0;
};

bool readStat(const std::filesystem::path& stat_file, ProcStat& out) {
  std::ifstream in(stat_file);
  std::string line;
  if (!std::getline(in, line)) return false;
  const auto close = line.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(line.substr(close + 1));
  long long ppid = 0;
  rest >> out.state >> ppid >> out.pgrp;
  return static_cast<bool>(rest);
}

bool live(const ProcStat& s) { return s.state != 'Z' && s.state != 'X'; }

bool memberOf(const std::filesystem::path& stat_file, int64_t group) {
  ProcStat s;
  return readStat(stat_file, s) && s.pgrp == group && live(s);
}

bool processAlive(int64_t pid) {
  ProcStat s;
  return readStat("/proc/" + std::to_string(pid) + "/stat", s) && live(s);
}

template <typename Visit>
void forEachProcess(Visit&& visit) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    visit(std::stoll(name), entry.path());
  }
}

bool anyAlive(const std::vector<int64_t>& pids) {
  for (int64_t pid : pids) {
    if (processAlive(pid)) return true;
  }
  return false;
}

}  // namespace

std::vector<int64_t> processesWithEnvironment(const std::string& entry) {
  std::vector<int64_t> found;
  forEachProcess([&](int64_t pid, const std::filesystem::path& dir) {
    std::ifstream in(dir / "environ", std::ios::binary);
    std::string item;
    // NUL-separated NAME=value entries.
    while (std::getline(in, item, '\0')) {
      if (item == entry) {
        ProcStat s;
        if (readStat(dir / "stat", s) && live(s)) found.push_back(pid);
        break;
      }
    }
  });
  return found;
}

bool terminateProcesses(const std::vector<int64_t>& pids, std::chrono::milliseconds grace) {
  using Clock = std::chrono::steady_clock;
  if (!anyAlive(pids)) return false;
  for (int64_t pid : pids) {
    ProcStat s;
    // The whole group (mpirun and its ranks), never the caller's own.
    if (readStat("/proc/" + std::to_string(pid) + "/stat", s) && s.pgrp > 1 &&
        s.pgrp != ::getpgrp()) {
      ::kill(-static_cast<pid_t>(s.pgrp), SIGTERM);
    }
    ::kill(static_cast<pid_t>(pid), SIGTERM);
  }
  const auto deadline = Clock::now() + grace;
  while (Clock::now() < deadline) {
    if (!anyAlive(pids)) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (int64_t pid : pids) ::kill(static_cast<pid_t>(pid), SIGKILL);
  const auto gone_by = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < gone_by && anyAlive(pids))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return true;
}

bool processGroupAlive(int64_t group) {
  if (group <= 0) return false;
  bool alive = false;
  forEachProcess([&](int64_t, const std::filesystem::path& dir) {
    alive = alive || memberOf(dir / "stat", group);
  });
  return alive;
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
