// allreduce_bench: Cog's Collective::allreduce against raw MPI on the same buffers, and a
// correctness test at the same time (nccl-tests style): inputs are deterministic per rank,
// results are compared exactly, and any wrong element makes the exit code non-zero.
//
// Run (2 ranks on one node; add OMPI_MCA_btl=self,vader OMPI_MCA_oob_tcp_if_include=lo to
// the environment to stay on loopback):
//   mpirun --allow-run-as-root -np 2 build/bin/allreduce_bench [--min-bytes 4096]
//          [--max-bytes 67108864] [--iters N]
//
// Columns, per message size (float32, in place): time per operation in microseconds (the
// slowest rank's mean), algbw = bytes / time, busbw = algbw * 2(n-1)/n (what each rank
// moves in a ring allreduce, so figures compare across world sizes); "cog" is
// Collective::allreduce (MPI_Iallreduce polled by Work::wait), "raw" is MPI_Allreduce,
// "iraw" is MPI_Iallreduce + MPI_Wait, which separates the cost of the non-blocking
// algorithm from Cog's own; cog/raw is the overhead ratio.
#include <mpi.h>
#include <torch/types.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "common/error.hpp"
#include "comms/bootstrap.hpp"
#include "comms/collective.hpp"
#include "comms/mpi/mpi_check.hpp"
#include "comms/mpi/mpi_runtime.hpp"

namespace {

using cog::comms::Collective;
using cog::comms::ReduceOp;

// Small integers, different per rank and element: their sums are exact in float32.
torch::Tensor rankInput(int64_t numel, int rank) {
  auto i = torch::arange(numel, torch::kLong);
  return ((i * 7 + rank * 13) % 31 - 15).to(torch::kFloat);
}

torch::Tensor expectedSum(int64_t numel, int size) {
  auto sum = torch::zeros({numel}, torch::kFloat);
  for (int r = 0; r < size; ++r) sum += rankInput(numel, r);
  return sum;
}

int64_t wrongAfter(const std::function<void(torch::Tensor&)>& allreduce, int64_t numel, int rank,
                   const torch::Tensor& expected) {
  auto tensor = rankInput(numel, rank);
  allreduce(tensor);
  return tensor.ne(expected).sum().item<int64_t>();
}

// Mean seconds per operation on the slowest rank. The buffer holds zeros: repeated in-place
// sums of real data would overflow to infinity, and the values do not change the timing.
double secondsPerOp(const std::function<void(torch::Tensor&)>& allreduce, torch::Tensor& buffer,
                    int iterations) {
  buffer.zero_();
  for (int i = 0; i < 2; ++i) allreduce(buffer);  // warm-up: connections, page faults
  MPI_Barrier(MPI_COMM_WORLD);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) allreduce(buffer);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MPI_Allreduce(MPI_IN_PLACE, &seconds, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return seconds / iterations;
}

int run(int64_t min_bytes, int64_t max_bytes, int fixed_iterations) {
  cog::comms::MpiRuntime runtime;  // held for the whole run: raw MPI calls outlive nothing
  const auto info = cog::comms::rankInfoFromEnvironment(&std::getenv);
  cog::comms::CollectiveOptions options;
  options.backend = "mpi";  // also with -np 1, where auto would pick the single-process world
  auto collective = cog::comms::makeCollective(options, info, torch::kCPU);
  const int rank = collective->rank();
  const int size = collective->size();

  const auto cog = [&](torch::Tensor& t) { collective->allreduce(t, ReduceOp::kSum); };
  const auto raw = [](torch::Tensor& t) {
    cog::comms::mpiCheck(MPI_Allreduce(MPI_IN_PLACE, t.data_ptr(), static_cast<int>(t.numel()),
                                       MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD),
                         "MPI_Allreduce");
  };
  const auto iraw = [](torch::Tensor& t) {
    MPI_Request request;
    cog::comms::mpiCheck(MPI_Iallreduce(MPI_IN_PLACE, t.data_ptr(), static_cast<int>(t.numel()),
                                        MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &request),
                         "MPI_Iallreduce");
    cog::comms::mpiCheck(MPI_Wait(&request, MPI_STATUS_IGNORE), "MPI_Wait");
  };

  const double bus_factor = 2.0 * (size - 1) / size;
  if (rank == 0) {
    std::printf("# allreduce_bench: %d ranks, float32 sum, in place\n", size);
    std::printf("%10s %6s | %9s %8s %8s | %9s %8s %8s | %9s | %6s %7s\n", "bytes", "iters",
                "cog(us)", "algbw", "busbw", "raw(us)", "algbw", "busbw", "iraw(us)", "wrong",
                "cog/raw");
  }
  int64_t total_wrong = 0;
  for (int64_t bytes = min_bytes; bytes <= max_bytes; bytes *= 4) {
    const int64_t numel = bytes / static_cast<int64_t>(sizeof(float));
    // About 1 GiB through each path per size, within [10, 2000] operations.
    const int iterations =
        fixed_iterations > 0 ? fixed_iterations
                             : static_cast<int>(std::clamp<int64_t>((1LL << 30) / bytes, 10, 2000));
    const auto expected = expectedSum(numel, size);
    int64_t wrong = wrongAfter(cog, numel, rank, expected) + wrongAfter(raw, numel, rank, expected);
    MPI_Allreduce(MPI_IN_PLACE, &wrong, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    total_wrong += wrong;

    auto buffer = torch::empty({numel}, torch::kFloat);
    const double cog_s = secondsPerOp(cog, buffer, iterations);
    const double raw_s = secondsPerOp(raw, buffer, iterations);
    const double iraw_s = secondsPerOp(iraw, buffer, iterations);
    if (rank == 0) {
      const double cog_bw = bytes / cog_s / 1e9;
      const double raw_bw = bytes / raw_s / 1e9;
      std::printf("%10lld %6d | %9.1f %8.3f %8.3f | %9.1f %8.3f %8.3f | %9.1f | %6lld %7.2f\n",
                  static_cast<long long>(bytes), iterations, cog_s * 1e6, cog_bw,
                  cog_bw * bus_factor, raw_s * 1e6, raw_bw, raw_bw * bus_factor, iraw_s * 1e6,
                  static_cast<long long>(wrong), cog_s / raw_s);
    }
  }
  if (rank == 0)
    std::printf("# %s: %lld wrong elements in total (GB/s = 1e9 bytes/s)\n",
                total_wrong == 0 ? "OK" : "FAILED", static_cast<long long>(total_wrong));
  return total_wrong == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  // The same Open MPI defaults cogworker runs with (comms/bootstrap.hpp).
  cog::comms::applyMpiTuningDefaults();
  CLI::App app{"Cog allreduce benchmark and correctness check (run under mpirun)"};
  int64_t min_bytes = 4096;
  int64_t max_bytes = 64LL << 20;
  int iterations = 0;
  app.add_option("--min-bytes", min_bytes, "smallest message")->check(CLI::Range(4, 1 << 30));
  app.add_option("--max-bytes", max_bytes, "largest message (sizes grow by 4x)")
      ->check(CLI::Range(4, 1 << 30));
  app.add_option("--iters", iterations, "operations timed per size (0: about 1 GiB each)");
  CLI11_PARSE(app, argc, argv);
  try {
    return run(min_bytes, max_bytes, iterations);
  } catch (const cog::Error& error) {
    std::fprintf(stderr, "allreduce_bench: %s\n", error.what());
    return 2;
  }
}
