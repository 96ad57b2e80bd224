#pragma once
// A run's own record, RUN/metrics.jsonl: the same messages as the wire, one JSON object a
// line. The worker writes every report there as well as to the coordinator; the coordinator
// reads it back after an attempt ends (or after its own restart) and stores what the wire
// lost, so a line decodes to exactly the message the wire would have delivered.
//
//   {"v":2,"type":"step","step":40,"epoch":0,...,"metrics":{"loss":2.31,"grad_norm":0.8}}
//   {"v":2,"type":"checkpoint","step":120,"name":"epoch-0001","path":"/…","val_loss":0.41,"healthy":true}
//
// Keys come from the one field list of each message (message_fields.hpp), in its order;
// "v" is kWireVersion. JSON has no NaN or infinity: non-finite numbers are the strings
// "nan", "inf" and "-inf", so a diverged loss keeps its line valid and its fact.
#include <optional>
#include <string>
#include <string_view>

#include "comms/wire/messages.hpp"

namespace cog::wire {

// "step" (Metrics), "validation", "event", "checkpoint", "finished", "hello", "heartbeat",
// "command".
const char* jsonlTypeName(MessageKind kind);

// One line without its newline. Text that is not UTF-8 (a byte-level model's output) is
// replaced, so writing never throws.
std::string encodeJsonLine(const Message& message);

// A validation's samples as the JSON array its metrics.jsonl line holds (the coordinator
// stores them in this form).
std::string samplesJson(const std::vector<Sample>& samples);

// Either `message` is set or `error` says why not (bad JSON, another version, a missing or
// mistyped key). Never throws.
struct JsonLine {
  std::optional<Message> message;
  std::string error;
};
JsonLine decodeJsonLine(std::string_view line);

}  // namespace cog::wire
