#pragma once
// The one source of randomness of a searcher: which hyperparameters a trial gets, which top
// trial a PBT member copies, how it perturbs. Seeded from the sweep file and saved with the
// searcher's state, so `cogcoord resume` continues the very same stream after a kill.
//
// std::mt19937_64 because the standard fixes its output sequence (the 10000th draw of a
// default-seeded engine is 9981545732273789042 on every library) and its state text, which
// `operator<<` writes and `operator>>` reads back. The distributions are written here, not
// taken from <random>: std::uniform_real_distribution & co. differ between libraries, and
// the tests compare draws with hand-computed values.
#include <cstdint>
#include <random>
#include <string>

namespace cog::coord::sweep {

class RandomStream {
 public:
  explicit RandomStream(uint64_t seed);

  // A double in [0, 1) from the top 53 bits of one draw.
  double uniform();
  // A whole number in [low, high], each equally likely (rejection, no modulo bias).
  int64_t uniformInt(int64_t low, int64_t high);
  // An index into a list of `n` items (n >= 1): uniformInt(0, n - 1).
  size_t index(size_t n);

  // The engine's state as text (the standard's own format); restore() throws DataError on
  // text it cannot read.
  std::string save() const;
  void restore(const std::string& text);

 private:
  std::mt19937_64 engine_;
};

}  // namespace cog::coord::sweep
