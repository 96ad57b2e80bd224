#pragma once
// Where a rank trains and in which precision: train.device and train.precision resolved
// once, at the entry point, against the GPUs this LibTorch sees. The trainer, validator and
// collective then take the result as a plain value (STYLE.md rule 3).
#include <torch/cuda.h>
#include <torch/nn/module.h>
#include <torch/types.h>

#include <cstdint>
#include <string>

#include "common/error.hpp"
#include "worker/config/worker_config.hpp"

namespace cog::worker {

struct TrainDevice {
  torch::Device device{torch::kCPU};
  // Forward pass and loss under CUDA autocast to bfloat16; weights, gradients and the
  // optimizer stay fp32. Only ever true on a CUDA device.
  bool bf16_autocast = false;
  // Why the request was changed (bf16 asked for, auto chose the CPU); empty otherwise.
  std::string note;

  std::string describe() const {
    return device.str() + (bf16_autocast ? ", bf16 autocast" : ", fp32");
  }
};

// `cuda_devices` is the number of GPUs visible. Local rank N drives GPU N (one rank per GPU,
// as NCCL requires), or GPU 0 when each rank sees only its own. Throws ConfigError naming
// the key when the request cannot be met: cuda without a GPU, more local ranks than GPUs,
// bf16 on an explicitly chosen CPU.
inline TrainDevice resolveTrainDevice(const WorkerConfig& config, int local_rank,
                                      int64_t cuda_devices) {
  const auto& train = config.train;
  const bool cuda = train.device == "cuda" || (train.device == "auto" && cuda_devices > 0);
  TrainDevice resolved;
  if (cuda) {
    if (cuda_devices == 0) {
      throw ConfigError(config.source +
                        ": train.device = cuda, but LibTorch sees no CUDA device (a CPU-only "
                        "LibTorch build, no GPU or driver, or CUDA_VISIBLE_DEVICES hides it): "
                        "use train.device=auto or cpu, or run on a GPU node with a CUDA LibTorch");
    }
    // A launcher that binds one GPU to each rank (CUDA_VISIBLE_DEVICES per task) leaves
    // every rank seeing exactly one device, whatever its local rank.
    const int64_t index = cuda_devices == 1 ? 0 : local_rank;
    if (index >= cuda_devices) {
      throw ConfigError(config.source + ": train.device = " + train.device + ": local rank " +
                        std::to_string(local_rank) + " needs GPU " + std::to_string(index) +
                        ", but only " + std::to_string(cuda_devices) +
                        " are visible: start at most one rank per GPU on each node");
    }
    resolved.device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
    resolved.bf16_autocast = train.precision == "bf16";
    return resolved;
  }
  if (train.precision == "bf16") {
    // Explicitly the CPU: refuse rather than train at another precision than asked. auto:
    // one file serves a laptop and a GPU node, so fall back and say so.
    if (train.device == "cpu") {
      throw ConfigError(config.source +
                        ": train.precision = bf16 needs train.device = cuda (bf16 autocast "
                        "runs on CUDA): on the CPU use precision fp32, or device auto to fall "
                        "back to it");
    }
    resolved.note = "train.precision = bf16, but train.device = auto found no CUDA device: "
                    "training in fp32 on the CPU";
  }
  return resolved;
}

// The same against the GPUs this process sees.
inline TrainDevice resolveTrainDevice(const WorkerConfig& config, int local_rank) {
  return resolveTrainDevice(config, local_rank,
                            static_cast<int64_t>(torch::cuda::device_count()));
}

// Where a model lives: its parameters' device (the CPU for a model without parameters).
inline torch::Device deviceOf(const torch::nn::Module& model) {
  const auto params = model.parameters();
  return params.empty() ? torch::Device(torch::kCPU) : params.front().device();
}

}  // namespace cog::worker
