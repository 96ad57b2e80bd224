// Round trips and the classified decode errors of comms/wire/codec.
#include "comms/wire/codec.hpp"

#include <gtest/gtest.h>

#include "tests/comms/wire/wire_test_util.hpp"

namespace cog::wire {
namespace {

using testing::awkwardMessages;
using testing::expectSame;

Envelope sampleHeader() {
  Envelope header;
  header.job = "reasoning-🚀";
  header.attempt = 3;
  header.rank = 0;
  header.seq = 0xFFFFFFFFFFFFFFF0ull;
  return header;
}

TEST(WireCodec, EveryKindRoundTripsWithAwkwardContents) {
  for (const Message& message : awkwardMessages()) {
    SCOPED_TRACE(kindName(kindOf(message)));
    const std::string frame = encode(sampleHeader(), message);
    DecodeResult result = decode(frame.data(), frame.size());
    ASSERT_TRUE(result.ok()) << result.error_text;
    Envelope expected = sampleHeader();
    expected.kind = kindOf(message);
    expectSame(result.decoded->envelope, expected);
    expectSame(result.decoded->message, message);
  }
}

TEST(WireCodec, EncodeFillsMagicVersionAndKindWhateverTheCallerPassed) {
  Envelope header = sampleHeader();
  header.magic = 1;
  header.version = 77;
  header.kind = MessageKind::kCommand;
  const std::string frame = encode(header, Heartbeat{5, 3, 1.0});
  DecodeResult result = decode(frame.data(), frame.size());
  ASSERT_TRUE(result.ok()) << result.error_text;
  EXPECT_EQ(result.decoded->envelope.magic, kWireMagic);
  EXPECT_EQ(result.decoded->envelope.version, kWireVersion);
  EXPECT_EQ(result.decoded->envelope.kind, MessageKind::kHeartbeat);
}

TEST(WireCodec, LargeVectorsRoundTrip) {
  Metrics metrics;
  for (int i = 0; i < 20000; ++i) metrics.scalars.emplace_back("s" + std::to_string(i), i * 0.5);
  Validation validation;
  for (int i = 0; i < 2000; ++i) {
    validation.samples.push_back(
        {"src", "prompt " + std::to_string(i), std::string(i % 300, 'g'), "e", i % 2 == 0});
  }
  for (const Message& message : std::vector<Message>{metrics, validation}) {
    const std::string frame = encode(sampleHeader(), message);
    DecodeResult result = decode(frame.data(), frame.size());
    ASSERT_TRUE(result.ok()) << result.error_text;
    expectSame(result.decoded->message, message);
  }
}

TEST(WireCodec, FrameStartsWithFlagAndMagicInLittleEndian) {
  const std::string frame = encode(sampleHeader(), Event{});
  ASSERT_GE(frame.size(), 8u);
  EXPECT_EQ(frame[0], 1);                 // cereal's "stream is little-endian" flag
  EXPECT_EQ(frame.substr(1, 4), "WGOC");  // 0x434F4757 little-endian
  EXPECT_EQ(static_cast<uint8_t>(frame[5]), kWireVersion);
  EXPECT_EQ(static_cast<uint8_t>(frame[7]), static_cast<uint8_t>(MessageKind::kEvent));
}

// Byte offsets in a frame (see codec.hpp): flag 0, magic 1-4, version 5-6, kind 7.
constexpr size_t kVersionAt = 5;
constexpr size_t kKindAt = 7;

DecodeError errorOf(const std::string& frame) {
  DecodeResult result = decode(frame.data(), frame.size());
  EXPECT_FALSE(result.ok());
  EXPECT_FALSE(result.error_text.empty());
  return result.error;
}

TEST(WireCodec, WrongMagicIsBadMagic) {
  std::string frame = encode(sampleHeader(), Event{});
  frame[2] ^= 0x20;
  EXPECT_EQ(errorOf(frame), DecodeError::kBadMagic);
  frame = encode(sampleHeader(), Event{});
  frame[0] = 7;  // not an endianness flag: not a Cog frame either
  EXPECT_EQ(errorOf(frame), DecodeError::kBadMagic);
}

TEST(WireCodec, OtherVersionIsUnknownVersionAndNamesIt) {
  std::string frame = encode(sampleHeader(), Event{});
  frame[kVersionAt] = 1;
  DecodeResult result = decode(frame.data(), frame.size());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error, DecodeError::kUnknownVersion);
  EXPECT_NE(result.error_text.find("version 1"), std::string::npos) << result.error_text;
}

TEST(WireCodec, KindOutsideTheEnumIsUnknownKind) {
  for (int kind : {0, 9, 200, 255}) {
    std::string frame = encode(sampleHeader(), Event{});
    frame[kKindAt] = static_cast<char>(kind);
    EXPECT_EQ(errorOf(frame), DecodeError::kUnknownKind) << kind;
  }
}

TEST(WireCodec, TrailingBytesAreMalformed) {
  std::string frame = encode(sampleHeader(), Heartbeat{1, 1, 2.0}) + "x";
  EXPECT_EQ(errorOf(frame), DecodeError::kMalformed);
}

TEST(WireCodec, BoolOtherThanZeroOrOneIsMalformed) {
  Validation validation;
  validation.samples.push_back({"a", "b", "c", "d", true});
  std::string frame = encode(sampleHeader(), validation);
  ASSERT_EQ(frame.back(), 1);  // Sample::correct is the last field of the frame
  frame.back() = 2;
  EXPECT_EQ(errorOf(frame), DecodeError::kMalformed);
}

TEST(WireCodec, UnknownCommandKindIsMalformed) {
  Envelope header = sampleHeader();
  std::string frame = encode(header, Command{CommandKind::kStop, ""});
  // Envelope after the prefix: kind u8, job (u64 + bytes), attempt, rank, seq.
  const size_t command_kind_at = kKindAt + 1 + 8 + header.job.size() + 4 + 4 + 8;
  ASSERT_EQ(frame[command_kind_at], 1);
  frame[command_kind_at] = 9;
  EXPECT_EQ(errorOf(frame), DecodeError::kMalformed);
}

TEST(WireCodec, AbsurdLengthIsRejectedWithoutAllocating) {
  // An Event whose kind string claims 2^62 bytes: must fail fast, not try to allocate.
  Envelope header = sampleHeader();
  std::string frame = encode(header, Event{1, "", ""});
  const size_t kind_length_at = kKindAt + 1 + 8 + header.job.size() + 4 + 4 + 8 + 8;
  const uint64_t huge = 1ull << 62;
  std::memcpy(&frame[kind_length_at], &huge, sizeof(huge));
  DecodeResult result = decode(frame.data(), frame.size());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error, DecodeError::kOverLimit);
  EXPECT_NE(result.error_text.find("string"), std::string::npos) << result.error_text;
  // Under the cap but past the frame's end: truncated.
  const uint64_t under_cap = kMaxStringBytes;
  std::memcpy(&frame[kind_length_at], &under_cap, sizeof(under_cap));
  result = decode(frame.data(), frame.size());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error, DecodeError::kTruncated);
}

TEST(WireCodec, OversizedFrameIsRefused) {
  std::string frame(kMaxFrameBytes + 1, '\0');
  EXPECT_EQ(errorOf(frame), DecodeError::kMalformed);
}

TEST(WireCodec, NamesAreStable) {
  EXPECT_STREQ(kindName(MessageKind::kMetrics), "metrics");
  EXPECT_STREQ(kindName(static_cast<MessageKind>(42)), "unknown");
  EXPECT_STREQ(commandName(CommandKind::kCheckpointNow), "checkpoint_now");
  EXPECT_STREQ(decodeErrorName(DecodeError::kUnknownVersion), "unknown_version");
}

}  // namespace
}  // namespace cog::wire
