#pragma once
// What a JobSupervisor asks its shell to do (job_supervisor.hpp). Plain structs, so a test
// reads a decision as data. The shell carries them out in order, with one rule: every
// record (event, attempt row, checkpoint row, supersede) of a batch is committed to the
// store before any effect (start, stop, kill, read a log) of that batch happens, so a
// coordinator killed at any instant finds its decisions stored.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "coordinator/store/records.hpp"

namespace cog::coord {

// --- records ---

// A decision, with its reason and the numbers behind it (events: source "coordinator").
struct RecordEvent {
  std::string kind;    // launch, early_stop, diverged, rollback, restart, crashed, finished, ...
  std::string detail;  // one line
  Scalars numbers;
};

// Store the attempt row: insert a new attempt, or update one already stored.
struct SaveAttempt {
  AttemptRow row;
  bool insert = false;
};

// Store the checkpoint row (its `healthy` decided by the supervisor).
struct StoreCheckpoint {
  CheckpointRow row;
};

// A divergence condemned this checkpoint: never a rollback target again.
struct MarkCheckpointUnhealthy {
  std::string path;
};

// Retention (checkpoint.keep) lets this checkpoint go: its row leaves the store first (a
// record), then its folder is deleted (an effect), so no row ever names a deleted folder
// the coordinator deleted.
struct ForgetCheckpoint {
  std::string path;
};
struct DeleteCheckpointFiles {
  std::string path;
};

// Attempt `attempt` starts over from `from_step`: rows of earlier attempts after it leave
// the job's history (Store::supersedeMetricsAfter).
struct SupersedeAfter {
  int64_t from_step = 0;
  int attempt = 0;
};

// A line for the operator's terminal only (validation summaries); not a decision.
struct Announce {
  std::string line;
};

// --- effects ---

// Start the attempt's processes. The attempt row is already stored (state launching).
struct StartAttempt {
  int attempt = 0;
  AttemptKind kind = AttemptKind::kFirst;
  int ranks = 1;
  std::string run_dir;
  std::optional<CheckpointRow> from;   // the checkpoint it starts from (--init-from)
  std::vector<std::string> overrides;  // every --set it gets
};

// Ask rank 0 to stop at its next step boundary (it checkpoints `final` and exits). When it
// cannot be told (never heard from, or its route is gone), the shell stops the processes
// instead (StopProcesses with the same grace).
struct SendStop {
  std::string reason;
  double grace_s = 20;
};

// Ask rank 0 to write a checkpoint at its next step boundary (step-NNNNNNNN) and go on.
struct SendCheckpoint {
  std::string reason;
};

// SIGTERM (the worker checkpoints and exits), then SIGKILL after grace_s (0: at once).
struct StopProcesses {
  double grace_s = 20;
};

// The attempt's processes are gone: read its own log (RUN/metrics.jsonl), feed what the wire
// did not deliver back in, then call JobSupervisor::onLogRead.
struct ReadAttemptLog {
  int attempt = 0;
  std::string run_dir;
};

using Action =
    std::variant<RecordEvent, SaveAttempt, StoreCheckpoint, MarkCheckpointUnhealthy, ForgetCheckpoint,
                 DeleteCheckpointFiles, SupersedeAfter,
                 Announce, StartAttempt, SendStop, SendCheckpoint, StopProcesses, ReadAttemptLog>;
using Actions = std::vector<Action>;

// True for the actions that change the world outside the store (carried out after the
// batch's records are committed).
inline bool isEffect(const Action& a) {
  return std::holds_alternative<StartAttempt>(a) || std::holds_alternative<SendStop>(a) ||
         std::holds_alternative<SendCheckpoint>(a) ||
         std::holds_alternative<StopProcesses>(a) || std::holds_alternative<ReadAttemptLog>(a) ||
         std::holds_alternative<DeleteCheckpointFiles>(a);
}

}  // namespace cog::coord
