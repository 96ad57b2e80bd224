#pragma once
// The enums that stored rows carry: a job's state, how an attempt began and how it ended.
// Stored and served by name (nameOf), compared as enums everywhere else.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace cog::coord {

// Every state a job really has (the job supervisor's state machine, core/job_supervisor.hpp).
enum class JobState : uint8_t {
  kQueued,        // waiting for slots: never started, or resumed and waiting again; or its
                  // attempt waits in a cluster scheduler's queue (end_reason says why)
  kLaunching,     // attempt recorded and its processes started; rank 0 not heard from yet
  kRunning,       // rank 0 of the current attempt is reporting
  kStopping,      // the coordinator asked the attempt to end (it checkpoints first)
  kConcluding,    // its processes are gone; the last reports and the log are being read
  kFinished,      // trained to the end (ended)
  kEarlyStopped,  // validation stopped improving (ended)
  kFailed,        // restart or relaunch limits spent, or it could not be started (ended)
  kStopped,       // an operator stopped it (ended)
  kInterrupted,   // the coordinator was interrupted; `cogcoord resume` continues it
};

// True for the states a job leaves only through `cogcoord resume` (interrupted) or never.
bool isEnded(JobState state);
// True while the job holds its slots: an attempt is starting, running or being wound up.
bool holdsSlots(JobState state);

// Why an attempt was started.
enum class AttemptKind : uint8_t {
  kFirst,     // the job's first attempt
  kRestart,   // after a crash, a lost heartbeat or a stall: same hyperparameters
  kRelaunch,  // after a divergence: rolled back, adjusted hyperparameters
  kResume,    // after the coordinator itself restarted or was interrupted
  kOperator,  // an operator relaunched the job (REST, cogctl), perhaps with other settings
};

// How an attempt ended (kOpen while it runs).
enum class AttemptEnd : uint8_t {
  kOpen,
  kFinished,         // the worker trained to the end
  kEarlyStopped,     // stopped by the plateau rule
  kDiverged,         // stopped by a divergence rule; the job rolls back
  kCrashed,          // the processes ended unplanned (exit code or signal)
  kLostHeartbeat,    // nothing heard for heartbeat_timeout_s: killed
  kStalled,          // heartbeats, but no training progress for progress_timeout_s: killed
  kStartupTimeout,   // rank 0 not heard from within startup_timeout_s: killed
  kInterrupted,      // the coordinator was interrupted (the worker checkpointed)
  kCoordinatorLost,  // the coordinator died while it ran; found after `resume`
  kLaunchFailed,     // its processes could not be started
  kStopped,          // an operator stopped it (or relaunched the job)
  kConfigError,      // the worker refused its configuration: restarting cannot help
  kFailed,           // the coordinator failed while handling it (an internal error)
  kTimeLimit,        // the cluster scheduler ended it at its time limit (resumed, not a restart)
  kPreempted,        // the cluster scheduler preempted it (resumed, not a restart)
  kOutOfMemory,      // the cluster scheduler killed it for exceeding its memory (a crash)
};

template <typename E>
struct EnumNames;  // specialised below: `kNames`, every value with its stored name

template <>
struct EnumNames<JobState> {
  static constexpr std::array<std::pair<JobState, const char*>, 10> kNames{{
      {JobState::kQueued, "queued"},
      {JobState::kLaunching, "launching"},
      {JobState::kRunning, "running"},
      {JobState::kStopping, "stopping"},
      {JobState::kConcluding, "concluding"},
      {JobState::kFinished, "finished"},
      {JobState::kEarlyStopped, "early_stopped"},
      {JobState::kFailed, "failed"},
      {JobState::kStopped, "stopped"},
      {JobState::kInterrupted, "interrupted"},
  }};
};

template <>
struct EnumNames<AttemptKind> {
  static constexpr std::array<std::pair<AttemptKind, const char*>, 5> kNames{{
      {AttemptKind::kFirst, "first"},
      {AttemptKind::kRestart, "restart"},
      {AttemptKind::kRelaunch, "relaunch"},
      {AttemptKind::kResume, "resume"},
      {AttemptKind::kOperator, "operator"},
  }};
};

template <>
struct EnumNames<AttemptEnd> {
  static constexpr std::array<std::pair<AttemptEnd, const char*>, 17> kNames{{
      {AttemptEnd::kOpen, ""},
      {AttemptEnd::kFinished, "finished"},
      {AttemptEnd::kEarlyStopped, "early_stopped"},
      {AttemptEnd::kDiverged, "diverged"},
      {AttemptEnd::kCrashed, "crashed"},
      {AttemptEnd::kLostHeartbeat, "lost_heartbeat"},
      {AttemptEnd::kStalled, "stalled"},
      {AttemptEnd::kStartupTimeout, "startup_timeout"},
      {AttemptEnd::kInterrupted, "interrupted"},
      {AttemptEnd::kCoordinatorLost, "coordinator_lost"},
      {AttemptEnd::kLaunchFailed, "launch_failed"},
      {AttemptEnd::kStopped, "stopped"},
      {AttemptEnd::kFailed, "failed"},
      {AttemptEnd::kConfigError, "config_error"},
      {AttemptEnd::kTimeLimit, "time_limit"},
      {AttemptEnd::kPreempted, "preempted"},
      {AttemptEnd::kOutOfMemory, "out_of_memory"},
  }};
};

template <typename E>
const char* nameOf(E value) {
  for (const auto& [v, name] : EnumNames<E>::kNames) {
    if (v == value) return name;
  }
  return "unknown";
}

template <typename E>
std::optional<E> fromName(const std::string& name) {
  for (const auto& [v, n] : EnumNames<E>::kNames) {
    if (name == n) return v;
  }
  return std::nullopt;
}

}  // namespace cog::coord
