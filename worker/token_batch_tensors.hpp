#pragma once
#include <torch/types.h>

#include "worker/data/epoch_stream.hpp"

namespace cog::worker {

struct BatchTensors {
  torch::Tensor inputs;   // [rows, seq_len] int64
  torch::Tensor targets;  // [rows, seq_len] int64
};

// Copies a data::TokenBatch (int32, row-major) into the int64 tensors the model takes.
inline BatchTensors toTensors(const data::TokenBatch& batch) {
  auto shape = std::vector<int64_t>{batch.rows, batch.seq_len};
  auto int32 = torch::TensorOptions().dtype(torch::kInt32);
  auto inputs = torch::from_blob(const_cast<int32_t*>(batch.inputs.data()), shape, int32).to(torch::kLong);
  auto targets = torch::from_blob(const_cast<int32_t*>(batch.targets.data()), shape, int32).to(torch::kLong);
  return {inputs, targets};
}

}  // namespace cog::worker
