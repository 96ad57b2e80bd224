// libFuzzer target: any bytes through the wire decoder. It must never crash, and whatever
// decodes must encode back to a frame that decodes to the same kind and envelope.
#include <cstdint>
#include <cstdlib>

#include "comms/wire/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cog::wire;
  const DecodeResult first = decode(data, size);
  if (!first.ok()) return 0;
  const std::string again = encode(first.decoded->envelope, first.decoded->message);
  const DecodeResult second = decode(again.data(), again.size());
  if (!second.ok() || kindOf(second.decoded->message) != kindOf(first.decoded->message) ||
      second.decoded->envelope.job != first.decoded->envelope.job ||
      second.decoded->envelope.seq != first.decoded->envelope.seq) {
    std::abort();  // a frame the decoder accepts must survive a round trip
  }
  return 0;
}
