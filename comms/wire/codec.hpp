#pragma once
// The only place wire messages become bytes and back (STYLE.md rule 7).
//
// One ZeroMQ frame per message, written with cereal's PortableBinaryArchive (little-endian
// integers and IEEE doubles whatever the host):
//   [endianness flag: 1 byte][magic u32][version u16][kind u8][job][attempt i32][rank i32]
//   [seq u64][payload fields of `kind`, in declaration order]
// Strings and vectors are a u64 length then their contents. magic and version come first
// so a later version may change everything after them.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "comms/wire/messages.hpp"

namespace cog::wire {

// Frames larger than this are refused by both ends (a Validation with many long samples is
// the largest legitimate message, far below it).
inline constexpr size_t kMaxFrameBytes = 16u << 20;
// Caps on what one message may hold, checked by the decoder before it allocates: far above
// what a worker sends (about 20 scalars a report, validation.generate_samples samples of a
// few hundred bytes), far below what a forged frame could make the coordinator hold.
inline constexpr uint64_t kMaxListItems = 65536;        // scalars of a report, samples of a validation
inline constexpr uint64_t kMaxStringBytes = 1u << 20;   // any one string

// Serialises `header` (magic, version and kind are overwritten from kWire*/`body`) and
// `body` into one frame. Never fails for a well-formed Message.
std::string encode(const Envelope& header, const Message& body);

enum class DecodeError : uint8_t {
  kTruncated,       // the frame ends before a field, or a length exceeds the bytes left
  kMalformed,       // impossible values (bool not 0/1, unknown command), trailing bytes
  kBadMagic,        // not a Cog frame at all
  kUnknownVersion,  // a Cog frame of a version this build cannot read
  kUnknownKind,     // a known version but a kind byte this build does not know
  kOverLimit,       // a list or string longer than kMaxListItems / kMaxStringBytes
};
const char* decodeErrorName(DecodeError error);

struct Decoded {
  Envelope envelope;
  Message message;
};

// Either `decoded` is set, or `error` and `error_text` say why not.
struct DecodeResult {
  std::optional<Decoded> decoded;
  DecodeError error = DecodeError::kMalformed;
  std::string error_text;

  bool ok() const { return decoded.has_value(); }
};

// Never throws and never allocates more than a small multiple of `size`, whatever the
// bytes: every declared length is checked against the caps above and against the bytes
// actually left, counting the fewest bytes each element can be encoded in (a Sample: 32),
// so that reserving `sizeof(T)` per element stays within a few times the frame.
DecodeResult decode(const void* data, size_t size);

}  // namespace cog::wire
