#pragma once
// Which training records an epoch draws, and in what order. Weights balance sources of
// very different sizes (7,473 GSM8K records against 1,000 SVAMP ones) without changing
// the files.
#include <cstdint>
#include <vector>

namespace cog::data {

// One source's eligible training records (ids into the DataSet) and its weight.
struct SourceDraw {
  std::vector<int64_t> eligible;
  double weight = 1.0;
};

// How many times a source of n eligible records is drawn per epoch: round(weight × n).
int64_t drawCount(int64_t n, double weight);

// The epoch's record ids in training order. Source s contributes drawCount(n_s, w_s)
// draws: every eligible record floor(draws / n_s) times, plus draws mod n_s distinct
// records chosen without replacement (so weight < 1 is a subsample and weight > 1 a
// repeat plus a partial draw). All draws are then shuffled together. Deterministic from
// (seed, epoch); each epoch picks a different subsample and order.
std::vector<int64_t> mixEpoch(const std::vector<SourceDraw>& sources, uint64_t seed, int64_t epoch);

}  // namespace cog::data
