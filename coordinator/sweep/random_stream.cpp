#include "coordinator/sweep/random_stream.hpp"

#include <sstream>

#include "common/enforce.hpp"
#include "common/error.hpp"

namespace cog::coord::sweep {

RandomStream::RandomStream(uint64_t seed) : engine_(seed) {}

double RandomStream::uniform() {
  // 53 bits fill a double's mantissa exactly: the result is k / 2^53, never 1.
  return static_cast<double>(engine_() >> 11) * 0x1.0p-53;
}

int64_t RandomStream::uniformInt(int64_t low, int64_t high) {
  COG_ENFORCE_LE(low, high);
  const uint64_t span = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  if (span == UINT64_MAX) return static_cast<int64_t>(engine_());
  const uint64_t n = span + 1;
  // Draws at or above the largest multiple of n would favour the small residues.
  const uint64_t limit = UINT64_MAX - (UINT64_MAX % n + 1) % n;
  uint64_t draw = engine_();
  while (draw > limit) draw = engine_();
  return low + static_cast<int64_t>(draw % n);
}

size_t RandomStream::index(size_t n) {
  COG_ENFORCE_GE(n, size_t{1});
  return static_cast<size_t>(uniformInt(0, static_cast<int64_t>(n) - 1));
}

std::string RandomStream::save() const {
  std::ostringstream os;
  os << engine_;
  return os.str();
}

void RandomStream::restore(const std::string& text) {
  std::istringstream is(text);
  std::mt19937_64 engine;
  is >> engine;
  if (is.fail()) {
    throw DataError("sweep state: random stream '" + text.substr(0, 40) +
                    "...' is not a saved mt19937_64 state");
  }
  engine_ = engine;
}

}  // namespace cog::coord::sweep
