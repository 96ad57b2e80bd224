#pragma once
// How the Muon matrices' Newton-Schulz work is cut up: into batches of same-shape matrices
// (one batched iteration each), and among data-parallel ranks (each batch has one owner).
//
// After the gradient allreduce every rank holds the same averaged gradient, so every rank
// would compute the same orthogonalisations; for the ~32M presets that is ~1.6 s of a CPU
// step, done N times over. Instead each batch gets one owner, the owners compute their
// share, and one sum over ranks of a flat buffer (zero outside each rank's own slots) hands
// every result to every rank. A float sum with zeros is exact, so all ranks apply the very
// same update: parameters stay bitwise identical.
//
// The batches do not depend on the world size: a sharded step runs exactly the batched
// products an unsharded one runs, so its updates are bitwise those of one rank (a batch
// formed from a rank's own matrices would change which products run together, and with
// them the rounding of threaded reductions). The price is coarser load balancing than per
// matrix, which kMaxNewtonSchulzBatch bounds.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace cog::optim {

// At most this many matrices per batch on a GPU, where a batch saves kernel launches: 8
// keeps a `default` preset's 8-layer weight kinds in one batch each and leaves a few batches
// per shape to share out. Not measured on a GPU yet (no GPU machine in reach when written).
inline constexpr size_t kMaxNewtonSchulzBatch = 8;
// On a CPU one matrix per batch: LibTorch's CPU bmm is a loop of the same BLAS calls, so a
// batch saves nothing, and running each product over all its matrices before the next one
// loses the cache (one 320 x 320 matrix's X, A and B fit in L2, eight do not). Measured on
// an AMD EPYC (Zen 5), OpenBLAS Cooperlake kernels, 1 thread, bench/train_throughput
// RANKS=1 BATCHES=4: optimizer update of a tiny step 71-75 ms one at a time, 99-109 ms in
// batches of 8; of a `default` step 1.78-2.12 s against 2.23-2.26 s.
inline constexpr size_t kMaxNewtonSchulzBatchOnCpu = 1;

// Groups matrices of the same shape up to transposition (192 x 512 with 512 x 192: a tall
// matrix is orthogonalised transposed) in input order, each group cut into the fewest
// batches of at most `max_batch`, of sizes differing by at most one. `shapes` are
// (rows, cols); the result holds indices into `shapes`, batches ordered by first member.
std::vector<std::vector<size_t>> groupNewtonSchulzBatches(const std::vector<std::pair<int64_t, int64_t>>& shapes,
                                                          size_t max_batch = kMaxNewtonSchulzBatch);

// Greedy longest-processing-time split: work items in order of falling cost, each to the
// rank with the least work so far (lowest rank on ties). The result is each item's owner, in
// input order. Deterministic, so every rank computes the same plan from the same costs.
std::vector<int> assignOrthogonalizationOwners(const std::vector<double>& costs, int world);

// Floating-point operations of newtonSchulzOrthogonalize per iteration for a rows x cols
// matrix: the Gram matrix, its square, and the product back, on the smaller side.
double newtonSchulzCost(int64_t rows, int64_t cols);

}  // namespace cog::optim
