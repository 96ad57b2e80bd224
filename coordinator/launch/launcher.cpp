#include "coordinator/launch/launcher.hpp"

#include <cstring>

namespace cog::coord {

std::string ExitStatus::describe() const {
  if (signal != 0) return "killed by signal " + std::to_string(signal) + " (" + ::strsignal(signal) + ")";
  return "exit code " + std::to_string(exit_code);
}

}  // namespace cog::coord
