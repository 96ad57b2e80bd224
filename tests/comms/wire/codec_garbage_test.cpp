// decode() on hostile input: random bytes, every truncation, random corruption. It must
// return an error (or, for corruption that happens to stay well-formed, a message) and never
// throw, crash or allocate wildly. Seeded, so a failure reproduces.
#include <gtest/gtest.h>

#include <random>

#include "comms/wire/codec.hpp"
#include "tests/comms/wire/wire_test_util.hpp"

namespace cog::wire {
namespace {

std::string randomBytes(std::mt19937_64& rng, size_t size) {
  std::string bytes(size, '\0');
  for (auto& b : bytes) b = static_cast<char>(rng() & 0xFF);
  return bytes;
}

std::vector<std::string> validFrames() {
  std::vector<std::string> frames;
  Envelope header;
  header.job = "memory";
  header.attempt = 1;
  header.seq = 17;
  for (const Message& message : testing::awkwardMessages())
    frames.push_back(encode(header, message));
  frames.push_back(encode(header, testing::smallMetrics(3)));
  return frames;
}

TEST(WireCodecGarbage, RandomBytesOfManyLengthsAreErrors) {
  std::mt19937_64 rng(20240611);
  size_t errors = 0;
  size_t total = 0;
  for (size_t length = 0; length <= 1024; ++length) {
    for (int rep = 0; rep < 20; ++rep) {
      const std::string bytes = randomBytes(rng, length);
      DecodeResult result;
      ASSERT_NO_THROW(result = decode(bytes.data(), bytes.size())) << "length " << length;
      ++total;
      errors += result.ok() ? 0 : 1;
    }
  }
  EXPECT_EQ(errors, total);
}

// Random bytes behind a valid prefix get past the magic/version checks and exercise the
// length guards, which plain random bytes almost never reach.
TEST(WireCodecGarbage, RandomPayloadBehindAValidHeaderIsAnError) {
  std::mt19937_64 rng(7);
  const std::string prefix = encode(Envelope{}, Event{}).substr(0, 8);  // flag..kind
  for (int kind = 1; kind <= 6; ++kind) {
    for (size_t length = 0; length < 600; ++length) {
      std::string frame = prefix + randomBytes(rng, length);
      frame[7] = static_cast<char>(kind);
      DecodeResult result;
      ASSERT_NO_THROW(result = decode(frame.data(), frame.size()));
      // Eight random bytes as a length are absurd with overwhelming probability.
      if (!result.ok()) {
        EXPECT_FALSE(result.error_text.empty());
      }
    }
  }
}

TEST(WireCodecGarbage, EveryTruncationOfEveryKindIsTruncated) {
  for (const std::string& frame : validFrames()) {
    // Validation frames are long: every prefix up to 2 KB, then every 97th.
    for (size_t cut = 0; cut < frame.size(); cut += (cut < 2048 ? 1 : 97)) {
      DecodeResult result;
      ASSERT_NO_THROW(result = decode(frame.data(), cut));
      ASSERT_FALSE(result.ok()) << "prefix of " << cut << "/" << frame.size() << " decoded";
      EXPECT_EQ(result.error, DecodeError::kTruncated)
          << "cut " << cut << ": " << decodeErrorName(result.error) << " " << result.error_text;
    }
  }
}

TEST(WireCodecGarbage, RandomCorruptionNeverThrows) {
  std::mt19937_64 rng(99);
  size_t still_ok = 0;
  size_t rounds = 0;
  for (const std::string& original : validFrames()) {
    for (int rep = 0; rep < 300; ++rep) {
      std::string frame = original;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) {
        frame[rng() % frame.size()] = static_cast<char>(rng() & 0xFF);
      }
      DecodeResult result;
      ASSERT_NO_THROW(result = decode(frame.data(), frame.size()));
      ++rounds;
      still_ok += result.ok() ? 1 : 0;
    }
  }
  // Flips inside string bytes or doubles stay well-formed; length/magic flips do not.
  EXPECT_LT(still_ok, rounds);
}

}  // namespace
}  // namespace cog::wire
