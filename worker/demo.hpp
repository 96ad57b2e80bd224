#pragma once
#include <atomic>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace cog::worker {

struct DemoOptions {
  std::string run_dir = "runs/demo";
  int threads = 1;
  std::string blas_core;  // how the entry point chose the OpenBLAS kernels, shown with the versions
  std::string host_malloc;  // how it keeps freed memory (worker/malloc/), likewise
  const std::atomic<bool>* stop_requested = nullptr;
};

// A one-model demo without the coordinator (`make demo` trains all three through cogcoord):
// versions, the three full-size variants' parameter counts, then the demo's reasoning model
// (configs/models/tiny-demo.yaml) trained from scratch on synthetic data (no downloads),
// asked the original prompts at the end.
int runDemo(const DemoOptions& options);

// The original project judged its models by these three prompts (the seed's own test).
struct TestPrompt {
  const char* prompt;
  const char* expected;
};
const std::vector<TestPrompt>& originalTestPrompts();

struct AskedModel {
  std::string label;               // "reasoning"
  std::filesystem::path checkpoint;
};

// Asks every model the original prompts (greedy, stopping at EOS) and prints each answer
// beside the expected one; returns, per model, how many it answered right (the answer line
// compared as validation compares it).
std::vector<int> askOriginalPrompts(const std::vector<AskedModel>& models, std::ostream& out);

// The demo's training config (configs/models/tiny-demo.yaml, embedded at build time), also
// written to RUN/demo.yaml so the run can be repeated or resumed with `cogworker train --config`.
const char* demoConfigYaml();

}  // namespace cog::worker
