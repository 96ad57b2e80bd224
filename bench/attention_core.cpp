// The fused CPU attention kernel (model/attention_core.cpp) against the LibTorch expression
// it replaces, side by side in one process: forward + backward of one attention call at the
// shapes Cog's CPU presets give it, median of --repeats, and the two paths' largest
// difference (a benchmark that is also a check: exit 1 past 1e-4). Output, one line a shape:
//   shape  threads  reference ms  fused ms  speed-up  max |diff|
// Measured (`env -u OPENBLAS_CORETYPE build/bin/attention_core_bench`; AMD EPYC (Zen 5,
// AVX-512) VM, 2 cores, OpenBLAS 0.3.21 Cooperlake kernels), reference -> fused:
//   tiny-demo  1 thread 6.64 -> 5.35 ms (1.24x)   2 threads 6.27 -> 4.98 ms (1.26x)
//   tiny       1 thread 0.63 -> 0.40 ms (1.59x)   2 threads 0.79 -> 0.44 ms (1.80x)
//   default    1 thread 2.90 -> 2.49 ms (1.17x)   2 threads 3.80 -> 3.17 ms (1.20x)
// max |diff| 2.9e-6. The whole tiny-demo training step, where RMSNorm and RoPE are fused too:
// 1.25x (the two builds alternated, 50 steps each, twice: 298-322 ms -> 238-246 ms).
#include "model/attention_core.hpp"

#include <torch/torch.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "common/environment_lookup.hpp"
#include "model/attention.hpp"
#include "model/documents.hpp"
#include "worker/blas/blas_core_startup.hpp"
#include "worker/malloc/malloc_tuning.hpp"

namespace {

struct Shape {
  const char* name;
  int64_t batch, heads, seq, dim;
  bool documents;  // packed documents of 8-40 tokens (data.packing: documents)
};

struct Inputs {
  torch::Tensor q, k, v, bias, grad_out;
};

Inputs inputsFor(const Shape& s) {
  torch::manual_seed(0);
  Inputs in;
  // The module's layout: projections [B, T, H, hd] seen as [B, H, T, hd].
  in.q = torch::randn({s.batch, s.seq, s.heads, s.dim}).transpose(1, 2) / std::sqrt(double(s.dim));
  in.k = torch::randn({s.batch, s.seq, s.heads, s.dim}).transpose(1, 2);
  in.v = torch::randn({s.batch, s.seq, s.heads, s.dim}).transpose(1, 2);
  torch::Tensor same_document;
  if (s.documents) {
    auto lengths = torch::randint(8, 41, {s.batch, s.seq});
    auto segments = torch::empty({s.batch, s.seq}, torch::kLong);
    for (int64_t b = 0; b < s.batch; ++b) {
      int64_t doc = 0, left = lengths[b][0].item<int64_t>();
      for (int64_t t = 0; t < s.seq; ++t, --left) {
        if (left == 0) left = lengths[b][++doc].item<int64_t>();
        segments[b][t] = doc;
      }
    }
    same_document = cog::model::sameDocumentMask(segments);
  }
  in.bias = cog::model::attentionBias(s.seq, s.seq, same_document,
                                      torch::TensorOptions().dtype(torch::kFloat32));
  in.grad_out = torch::randn({s.batch, s.heads, s.seq, s.dim});
  return in;
}

// One forward + backward; returns dq (to compare the two paths).
torch::Tensor step(bool fused, const Inputs& in) {
  auto q = in.q.detach().requires_grad_(true), k = in.k.detach().requires_grad_(true),
       v = in.v.detach().requires_grad_(true);
  auto core = fused ? cog::model::fusedAttentionCore(q, k, v, in.bias)
                    : cog::model::referenceAttentionCore(q, k, v, in.bias, 0.0, true);
  core.out.backward(in.grad_out);
  return q.grad();
}

double medianMs(bool fused, const Inputs& in, int repeats) {
  std::vector<double> ms;
  for (int r = 0; r <= repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    step(fused, in);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  ms.erase(ms.begin());  // the first warms caches up
  std::nth_element(ms.begin(), ms.begin() + ms.size() / 2, ms.end());
  return ms[ms.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  using namespace cog::worker::blas;
  const BlasCoreDecision core =
      useFastestBlasCore(argv, cog::processEnvironment(), loadedOpenblasCore());
  // As cogworker does before its first tensor: without it every call's large buffers are
  // fresh mmaps, page-faulted each time, and the reference path looks twice as slow as in
  // training.
  const std::string host_malloc =
      cog::worker::host_malloc::keepFreedMemoryInProcess(cog::processEnvironment());
  CLI::App app{"attention_core: the fused CPU attention kernel against LibTorch's expression"};
  int repeats = 30;
  std::vector<int> threads{1, 2};
  app.add_option("--repeats", repeats, "Timed forward+backward calls per path (the median counts)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--threads", threads, "Thread counts to measure (repeatable)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (!cog::model::fusedAttentionAvailable()) {
    std::fprintf(stderr, "attention_core: no cblas_sgemm in this process; nothing to compare\n");
    return 2;
  }
  std::printf("blas core %s\nhost malloc %s\n", describeBlasCore(core).c_str(),
              host_malloc.c_str());
  const std::vector<Shape> shapes = {
      {"tiny-demo (32x4x96x24, documents)", 32, 4, 96, 24, true},
      {"tiny (4x6x64x32, causal)", 4, 6, 64, 32, false},
      {"default (4x5x128x64, causal)", 4, 5, 128, 64, false},
  };
  std::printf("%-36s %7s %12s %9s %8s %10s\n", "shape", "threads", "reference ms", "fused ms",
              "speed-up", "max |diff|");
  bool agree = true;
  for (int t : threads) {
    at::set_num_threads(t);
    for (const auto& s : shapes) {
      const auto in = inputsFor(s);
      const double diff = (step(true, in) - step(false, in)).abs().max().item<double>();
      agree = agree && diff <= 1e-4;
      const double reference = medianMs(false, in, repeats), fused = medianMs(true, in, repeats);
      std::printf("%-36s %7d %12.3f %9.3f %7.2fx %10.2e\n", s.name, t, reference, fused,
                  reference / fused, diff);
    }
  }
  return agree ? 0 : 1;
}
