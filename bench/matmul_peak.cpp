// The machine's measured matmul peak: a float n x n x n product through LibTorch (the path a
// training step's matmuls take), best of --repeats, at each thread count asked for, with the
// OpenBLAS kernels in use. The "peak" other benchmarks divide by (bench/blas_cores compares
// OpenBLAS cores with it). Output: one line per thread count,
//   matmul n=1024 threads=1 best_ms=... gflops=... core=SkylakeX (...)
#include <torch/torch.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <limits>

#include "common/environment_lookup.hpp"
#include "worker/blas/blas_core_startup.hpp"

int main(int argc, char** argv) {
  using namespace cog::worker::blas;
  // As cogworker does (worker/main.cpp), so the peak is the one training gets.
  const BlasCoreDecision core = useFastestBlasCore(argv, cog::processEnvironment(), loadedOpenblasCore());
  CLI::App app{"matmul_peak: best float matmul GFLOP/s through LibTorch"};
  int64_t n = 1024;
  int repeats = 10;
  std::vector<int> threads{1};
  app.add_option("--n", n, "Matrix side")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--repeats", repeats, "Timed products per thread count (the best counts)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--threads", threads, "Thread counts to measure (repeatable)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  torch::manual_seed(0);
  const torch::Tensor a = torch::randn({n, n});
  const torch::Tensor b = torch::randn({n, n});
  torch::Tensor c = torch::empty({n, n});
  for (int t : threads) {
    torch::set_num_threads(t);
    torch::mm_out(c, a, b);  // warm-up: thread pool, page faults
    double best = std::numeric_limits<double>::infinity();
    for (int r = 0; r < repeats; ++r) {
      const auto start = std::chrono::steady_clock::now();
      torch::mm_out(c, a, b);
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::cout << "matmul n=" << n << " threads=" << t << " best_ms=" << best * 1e3
              << " gflops=" << 2.0 * n * n * n / best / 1e9 << " core=" << describeBlasCore(core) << "\n";
  }
  return 0;
}
