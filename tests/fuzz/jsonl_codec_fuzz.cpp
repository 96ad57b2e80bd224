// libFuzzer target: any text as a metrics.jsonl line. Never throws; a line that decodes
// re-encodes to one that decodes to the same kind.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "comms/wire/jsonl_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cog::wire;
  const JsonLine first = decodeJsonLine(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!first.message) return 0;
  const JsonLine second = decodeJsonLine(encodeJsonLine(*first.message));
  if (!second.message || kindOf(*second.message) != kindOf(*first.message)) std::abort();
  return 0;
}
