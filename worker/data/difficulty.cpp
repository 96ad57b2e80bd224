#include "worker/data/difficulty.hpp"

namespace cog::data {

int lengthDifficulty(std::string_view text) {
  const size_t n = text.size();
  if (n <= 128) return 1;
  if (n <= 256) return 2;
  if (n <= 512) return 3;
  return 4;
}

}  // namespace cog::data
