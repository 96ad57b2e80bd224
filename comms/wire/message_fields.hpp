#pragma once
// The field list of every wire struct, written once and read by both codecs: the binary
// frame codec (codec.cpp, which ignores the names) and the JSON-lines codec of a run's
// metrics.jsonl (jsonl_codec.cpp, which uses them as keys). Private to cog_wire.
//
// `io` is called as io(name, member) and returns itself, so a list reads as one chain.
// Order is the binary layout; names are the JSON keys (they keep the keys metrics.jsonl has
// always had: "metrics" for scalars, "eta_s", "per_source_loss").
//
// Adding, removing or reordering a field changes both formats: bump kWireVersion.
#include <type_traits>

#include "comms/wire/messages.hpp"

namespace cog::wire {

template <typename>
constexpr bool kNoFieldList = false;

template <typename Io, typename M>
void fields(Io& io, M& m) {
  using T = std::remove_const_t<M>;
  if constexpr (std::is_same_v<T, Envelope>) {
    io("kind", m.kind)("job", m.job)("attempt", m.attempt)("rank", m.rank)("seq", m.seq);
  } else if constexpr (std::is_same_v<T, Hello>) {
    io("pid", m.pid)("host", m.host)("world_size", m.world_size)("run_dir", m.run_dir)(
        "version", m.version)("start_step", m.start_step)("hyperparameters", m.hyperparameters);
  } else if constexpr (std::is_same_v<T, Heartbeat>) {
    io("step", m.step)("progress", m.progress)("unix_time", m.unix_time);
  } else if constexpr (std::is_same_v<T, Metrics>) {
    io("step", m.step)("epoch", m.epoch)("step_in_epoch", m.step_in_epoch)(
        "steps_in_epoch", m.steps_in_epoch)("eta_s", m.eta_seconds)("metrics", m.scalars);
  } else if constexpr (std::is_same_v<T, Sample>) {
    io("source", m.source)("prompt", m.prompt)("generated", m.generated)("expected", m.expected)(
        "correct", m.correct);
  } else if constexpr (std::is_same_v<T, Validation>) {
    io("step", m.step)("epoch", m.epoch)("metrics", m.scalars)("per_source_loss", m.per_source)(
        "samples", m.samples);
  } else if constexpr (std::is_same_v<T, Event>) {
    io("step", m.step)("kind", m.kind)("detail", m.detail);
  } else if constexpr (std::is_same_v<T, Command>) {
    io("kind", m.kind)("reason", m.reason);
  } else if constexpr (std::is_same_v<T, CheckpointSaved>) {
    io("step", m.step)("name", m.name)("path", m.path)("val_loss", m.val_loss)("healthy",
                                                                               m.healthy);
  } else if constexpr (std::is_same_v<T, RunFinished>) {
    io("step", m.step)("reason", m.reason)("detail", m.detail);
  } else {
    static_assert(kNoFieldList<T>, "no field list for this type");
  }
}

// The enums a decoder must range-check (MessageKind is checked by the decoders themselves).
inline bool knownEnumValue(CommandKind v) { return std::string(commandName(v)) != "unknown"; }
inline bool knownEnumValue(RunEnd v) { return std::string(runEndName(v)) != "unknown"; }

}  // namespace cog::wire
