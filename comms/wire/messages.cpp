#include "comms/wire/messages.hpp"

#include <type_traits>

namespace cog::wire {
namespace {

// kindOf() maps a variant index to a MessageKind by arithmetic; these keep the two in step.
template <size_t I, typename T>
constexpr bool kAt = std::is_same_v<std::variant_alternative_t<I, Message>, T>;
static_assert(kAt<static_cast<size_t>(MessageKind::kHello) - 1, Hello>);
static_assert(kAt<static_cast<size_t>(MessageKind::kHeartbeat) - 1, Heartbeat>);
static_assert(kAt<static_cast<size_t>(MessageKind::kMetrics) - 1, Metrics>);
static_assert(kAt<static_cast<size_t>(MessageKind::kValidation) - 1, Validation>);
static_assert(kAt<static_cast<size_t>(MessageKind::kEvent) - 1, Event>);
static_assert(kAt<static_cast<size_t>(MessageKind::kCommand) - 1, Command>);
static_assert(kAt<static_cast<size_t>(MessageKind::kCheckpointSaved) - 1, CheckpointSaved>);
static_assert(kAt<static_cast<size_t>(MessageKind::kRunFinished) - 1, RunFinished>);
static_assert(std::variant_size_v<Message> == static_cast<size_t>(MessageKind::kRunFinished));

constexpr RunEnd kRunEnds[] = {RunEnd::kCompleted, RunEnd::kMaxSteps,        RunEnd::kSignal,
                               RunEnd::kStopCommand, RunEnd::kAlreadyFinished, RunEnd::kFailed};

}  // namespace

MessageKind kindOf(const Message& message) { return static_cast<MessageKind>(message.index() + 1); }

const char* kindName(MessageKind kind) {
  switch (kind) {
    case MessageKind::kHello:
      return "hello";
    case MessageKind::kHeartbeat:
      return "heartbeat";
    case MessageKind::kMetrics:
      return "metrics";
    case MessageKind::kValidation:
      return "validation";
    case MessageKind::kEvent:
      return "event";
    case MessageKind::kCommand:
      return "command";
    case MessageKind::kCheckpointSaved:
      return "checkpoint_saved";
    case MessageKind::kRunFinished:
      return "run_finished";
  }
  return "unknown";
}

const char* commandName(CommandKind kind) {
  switch (kind) {
    case CommandKind::kStop:
      return "stop";
    case CommandKind::kCheckpointNow:
      return "checkpoint_now";
  }
  return "unknown";
}

const char* runEndName(RunEnd reason) {
  switch (reason) {
    case RunEnd::kCompleted:
      return "completed";
    case RunEnd::kMaxSteps:
      return "max_steps";
    case RunEnd::kSignal:
      return "signal";
    case RunEnd::kStopCommand:
      return "stop_command";
    case RunEnd::kAlreadyFinished:
      return "already_finished";
    case RunEnd::kFailed:
      return "failed";
  }
  return "unknown";
}

std::optional<RunEnd> runEndFromName(const std::string& name) {
  for (RunEnd r : kRunEnds) {
    if (name == runEndName(r)) return r;
  }
  return std::nullopt;
}

}  // namespace cog::wire
