#include "coordinator/launch/launcher.hpp"

#include <cstring>

namespace cog::coord {

std::string ExitStatus::describe() const {
  std::string text = signal != 0 ? "killed by signal " + std::to_string(signal) + " (" +
                                       ::strsignal(signal) + ")"
                                 : "exit code " + std::to_string(exit_code);
  if (!scheduler_state.empty()) text += ", Slurm state " + scheduler_state;
  return text;
}

}  // namespace cog::coord
