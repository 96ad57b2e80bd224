#pragma once
// The worker <-> coordinator messages (DESIGN.md "Wire protocol"). Plain structs only: how
// they become bytes lives in codec.* (STYLE.md rule 7). Torch-free, so the coordinator can
// include this on a login node.
//
// Changing a struct's fields changes the wire format: bump kWireVersion and teach
// codec.cpp the new layout; decode() rejects versions it does not know.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace cog::wire {

inline constexpr uint32_t kWireMagic = 0x434F4757;  // "COGW"
// 2: typed CheckpointSaved and RunFinished (were prose Events), Heartbeat.progress.
inline constexpr uint16_t kWireVersion = 2;

enum class MessageKind : uint8_t {
  kHello = 1,
  kHeartbeat,
  kMetrics,
  kValidation,
  kEvent,
  kCommand,
  kCheckpointSaved,
  kRunFinished,
};

// Named values in the order the sender produced them (a vector, not a map: cheap to build
// on the training thread and the order is kept for display).
using Scalars = std::vector<std::pair<std::string, double>>;

// Travels in front of every payload. encode() fills magic, version and kind; the sender
// fills the rest. seq increases by one per message a WorkerLink hands to ZeroMQ.
struct Envelope {
  uint32_t magic = kWireMagic;
  uint16_t version = kWireVersion;
  MessageKind kind = MessageKind::kHello;
  std::string job;
  int32_t attempt = 0;
  int32_t rank = 0;
  uint64_t seq = 0;
};

// First message of a worker attempt: who it is and what it actually runs with.
struct Hello {
  int64_t pid = 0;
  std::string host;
  int32_t world_size = 1;
  std::string run_dir;
  std::string version;      // cogworker build version
  int64_t start_step = 0;   // > 0 when resumed from a checkpoint
  Scalars hyperparameters;  // effective values the worker uses (lr_muon, grokfast_lambda, ...)
};

// Liveness, sent by the link's I/O thread every second. Its arrival says the process is
// alive; `progress` says the training thread is: it counts the units of work that thread
// completed (steps, validation batches, checkpoints), so a trainer that deadlocks while
// its I/O thread still beats is seen as stalled when `progress` stops moving.
struct Heartbeat {
  int64_t step = 0;       // the last optimizer step the training loop completed
  uint64_t progress = 0;  // units of work completed by the training thread
  double unix_time = 0;
};

struct Metrics {
  int64_t step = 0;
  int64_t epoch = 0;
  int64_t step_in_epoch = 0;
  int64_t steps_in_epoch = 0;
  double eta_seconds = 0;
  Scalars scalars;  // loss, grad_norm, lr_muon, tokens_per_s, ... (NaN/inf kept as is)
};

struct Sample {
  std::string source;
  std::string prompt;
  std::string generated;
  std::string expected;
  bool correct = false;
};

struct Validation {
  int64_t step = 0;
  int64_t epoch = 0;
  Scalars scalars;     // val_loss, exact_match, distinct_1, ...
  Scalars per_source;  // validation loss per data source
  std::vector<Sample> samples;
};

// Something that happened, for people: stage_change, skipped_step, resume, data, ... The
// coordinator stores and shows these but never parses `detail`; facts it acts on travel as
// their own typed messages (CheckpointSaved, RunFinished).
struct Event {
  int64_t step = 0;
  std::string kind;
  std::string detail;  // one human-readable line
};

// A checkpoint is durable on disk (written, fsynced and renamed into place).
struct CheckpointSaved {
  int64_t step = 0;
  std::string name;    // epoch-0003 | best | final
  std::string path;    // its directory, absolute
  double val_loss = 0; // of the validation it follows; NaN when none preceded it at this step
  bool healthy = true; // the worker's own view: its last loss and validation were finite
};

// How a worker run ended, as the worker saw it (the coordinator also sees the exit status).
enum class RunEnd : uint8_t {
  kCompleted = 1,       // every configured epoch trained
  kMaxSteps,            // train.max_steps reached
  kSignal,              // SIGTERM/SIGINT: checkpointed `final` and stopped
  kStopCommand,         // the coordinator's stop command: checkpointed `final` and stopped
  kAlreadyFinished,     // resumed from the checkpoint of a finished run: nothing to do
  kFailed,              // an error ended it; `detail` says which
};

struct RunFinished {
  int64_t step = 0;
  RunEnd reason = RunEnd::kCompleted;
  std::string detail;  // the error for kFailed, else the last validation in words
};

enum class CommandKind : uint8_t { kStop = 1, kCheckpointNow = 2 };

// Coordinator -> rank 0 (which broadcasts it to the other ranks).
struct Command {
  CommandKind kind = CommandKind::kStop;
  std::string reason;
};

// The alternative index + 1 is the MessageKind value (checked in messages.cpp).
using Message = std::variant<Hello, Heartbeat, Metrics, Validation, Event, Command, CheckpointSaved, RunFinished>;

MessageKind kindOf(const Message& message);
// "hello", "heartbeat", ...; "unknown" for a value outside the enum.
const char* kindName(MessageKind kind);
const char* commandName(CommandKind kind);
// "completed", "max_steps", ...; "unknown" for a value outside the enum.
const char* runEndName(RunEnd reason);
// The RunEnd named `name`, or nullopt.
std::optional<RunEnd> runEndFromName(const std::string& name);
// True for the ends after which a job has nothing left to train.
inline bool runCompleted(RunEnd reason) {
  return reason == RunEnd::kCompleted || reason == RunEnd::kMaxSteps || reason == RunEnd::kAlreadyFinished;
}

}  // namespace cog::wire
