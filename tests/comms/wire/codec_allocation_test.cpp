// The decoder's memory is bounded by the frame: forged frames that declare as many list
// items as the bytes allow make it allocate at most a few times the frame's size. Measured
// with a counting operator new (this file is its own test binary for that reason).
#include <gtest/gtest.h>
#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#include "comms/wire/codec.hpp"

namespace {

std::atomic<int64_t> g_live{0};
std::atomic<int64_t> g_peak{0};

void* counted(size_t size) {
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) throw std::bad_alloc();
  const int64_t live = g_live += static_cast<int64_t>(malloc_usable_size(p));
  int64_t peak = g_peak.load();
  while (live > peak && !g_peak.compare_exchange_weak(peak, live)) {
  }
  return p;
}

void uncounted(void* p) {
  if (p == nullptr) return;
  g_live -= static_cast<int64_t>(malloc_usable_size(p));
  std::free(p);
}

}  // namespace

void* operator new(size_t size) { return counted(size); }
void* operator new[](size_t size) { return counted(size); }
void operator delete(void* p) noexcept { uncounted(p); }
void operator delete[](void* p) noexcept { uncounted(p); }
void operator delete(void* p, size_t) noexcept { uncounted(p); }
void operator delete[](void* p, size_t) noexcept { uncounted(p); }

namespace cog::wire {
namespace {

// Peak bytes allocated while decoding `frame`, above what was live before.
int64_t decodePeak(const std::string& frame, bool* ok = nullptr) {
  const int64_t before = g_live.load();
  g_peak = before;
  DecodeResult result = decode(frame.data(), frame.size());
  if (ok != nullptr) *ok = result.ok();
  return g_peak.load() - before;
}

// A frame of `message` whose last list length (the final 8 bytes, an empty list) is set to
// `items`, padded with zeros to `size` bytes: every zero element decodes (empty strings,
// zero numbers), so the frame is valid up to where the bytes run out.
std::string forged(const Message& message, uint64_t items, size_t size) {
  Envelope header;
  header.job = "reasoning";
  header.attempt = 1;
  std::string frame = encode(header, message);
  std::memcpy(&frame[frame.size() - 8], &items, sizeof(items));
  frame.resize(std::max(size, frame.size()), '\0');
  return frame;
}

constexpr int64_t kSlack = 64 << 10;  // the result's own small objects
constexpr int64_t kTimesTheFrame = 5;

TEST(WireCodecAllocation, ForgedListLengthsAllocateAFewTimesTheFrameAtMost) {
  struct Case {
    const char* what;
    Message message;
  };
  const std::vector<Case> cases = {{"validation samples", Validation{}}, {"metrics scalars", Metrics{}}};
  for (const auto& c : cases) {
    for (const size_t size : {size_t{4096}, size_t{1} << 20, kMaxFrameBytes}) {
      for (const uint64_t items : {uint64_t{1} << 16, uint64_t{size}, uint64_t{1} << 40}) {
        bool ok = false;
        const std::string frame = forged(c.message, items, size);
        const int64_t peak = decodePeak(frame, &ok);
        std::printf("%s: frame %zu bytes declaring %llu items: %s, peak %lld bytes (%.2fx the frame)\n", c.what,
                    frame.size(), static_cast<unsigned long long>(items), ok ? "decoded" : "refused",
                    static_cast<long long>(peak), static_cast<double>(peak) / static_cast<double>(frame.size()));
        EXPECT_LE(peak, kTimesTheFrame * static_cast<int64_t>(frame.size()) + kSlack)
            << c.what << ", " << frame.size() << " bytes, " << items << " items";
      }
    }
  }
}

// The largest legitimate validation: as many samples as the cap allows, each a few hundred
// bytes, within the frame limit.
TEST(WireCodecAllocation, ALegitimateLargeValidationDecodesWithinTheSameBound) {
  Validation v;
  const std::string text(200, 'x');
  for (int i = 0; i < 20000; ++i) v.samples.push_back({"arith", text, text, "42", i % 2 == 0});
  Envelope header;
  header.job = "reasoning";
  const std::string frame = encode(header, v);
  ASSERT_LE(frame.size(), kMaxFrameBytes);
  bool ok = false;
  const int64_t peak = decodePeak(frame, &ok);
  EXPECT_TRUE(ok);
  std::printf("legitimate validation: %zu bytes, peak %lld bytes (%.2fx)\n", frame.size(), static_cast<long long>(peak),
              static_cast<double>(peak) / static_cast<double>(frame.size()));
  EXPECT_LE(peak, kTimesTheFrame * static_cast<int64_t>(frame.size()) + kSlack);
}

}  // namespace
}  // namespace cog::wire
