#pragma once
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace cog::worker {

struct SmokeOptions {
  std::string preset = "tiny";
  std::string variant = "reasoning";
  int64_t batch = 4;
  int64_t seq_len = 64;
  int steps = 5;
};

struct SmokeReport {
  std::vector<double> losses;  // total loss before each step
  double pre_clip_grad_norm = 0;  // of the first step
  double forward_ms = 0, backward_ms = 0, optimizer_ms = 0;  // means over steps
  int64_t muon_tensors = 0, fallback_tensors = 0;
};

// Builds the model, then repeats forward -> loss -> backward -> clip -> MuGrokfast step on
// one fixed batch of a repeating byte pattern: the loss must fall, proving gradients reach
// every group of the optimizer. Prints a line per step to `log`.
SmokeReport runSmokeSteps(const SmokeOptions& options, std::ostream& log);

}  // namespace cog::worker
