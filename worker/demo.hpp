#pragma once
#include <atomic>
#include <string>

namespace cog::worker {

struct DemoOptions {
  std::string run_dir = "runs/demo";
  int threads = 1;
  const std::atomic<bool>* stop_requested = nullptr;
};

// The embedded default job `make demo` runs: versions, the three full-size variants'
// parameter counts, then a tiny reasoning model trained on synthetic arithmetic from
// scratch (no downloads), answering the original project's test prompts at the end.
int runDemo(const DemoOptions& options);

// The demo's training config, also written to RUN/demo.yaml so the run can be repeated
// or resumed with `cogworker train --config`.
const char* demoConfigYaml();

}  // namespace cog::worker
