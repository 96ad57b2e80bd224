#pragma once
// Which data-parallel rank runs Newton-Schulz for which Muon matrix.
//
// After the gradient allreduce every rank holds the same averaged gradient, so every rank
// would compute the same orthogonalisations; for the ~32M presets that is ~1.6 s of a CPU
// step, done N times over. Instead each matrix gets one owner, the owners compute their
// share, and one sum over ranks of a flat buffer (zero outside each rank's own slots) hands
// every result to every rank. A float sum with zeros is exact, so all ranks apply the very
// same update: parameters stay bitwise identical.
#include <cstdint>
#include <vector>

namespace cog::optim {

// Greedy longest-processing-time split: matrices in order of falling cost, each to the
// rank with the least work so far (lowest rank on ties). `shapes` are (rows, cols) of
// every matrix; the result is each matrix's owner, in input order. Deterministic, so every
// rank computes the same plan from the same shapes.
std::vector<int> assignOrthogonalizationOwners(const std::vector<std::pair<int64_t, int64_t>>& shapes,
                                               int world);

// Floating-point operations of newtonSchulzOrthogonalize per iteration for a rows x cols
// matrix: the Gram matrix, its square, and the product back, on the smaller side.
double newtonSchulzCost(int64_t rows, int64_t cols);

}  // namespace cog::optim
