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
static_assert(std::variant_size_v<Message> == static_cast<size_t>(MessageKind::kCommand));

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

}  // namespace cog::wire
