#include "coordinator/store/states.hpp"

namespace cog::coord {

bool isEnded(JobState state) {
  switch (state) {
    case JobState::kFinished:
    case JobState::kEarlyStopped:
    case JobState::kFailed:
    case JobState::kStopped:
    case JobState::kInterrupted:
      return true;
    default:
      return false;
  }
}

bool holdsSlots(JobState state) {
  return state == JobState::kLaunching || state == JobState::kRunning ||
         state == JobState::kStopping || state == JobState::kConcluding;
}

}  // namespace cog::coord
