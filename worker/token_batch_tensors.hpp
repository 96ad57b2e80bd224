#pragma once
#include <torch/types.h>

#include "model/cognate_loss.hpp"
#include "worker/data/epoch_stream.hpp"

namespace cog::worker {

// Target id for positions the loss ignores (cognateLoss's default ignore_index).
inline constexpr int64_t kIgnoredTarget = -100;

struct BatchTensors {
  torch::Tensor inputs;   // [rows, seq_len] int64
  torch::Tensor targets;  // [rows, seq_len] int64; kIgnoredTarget where not scored
  // [rows, seq_len] int64 record index within the row (data.packing: documents), for
  // model::ForwardOptions::segments; undefined when every row is one sequence.
  torch::Tensor segments;
  // [scored] int64 flat indices of the positions whose target is scored (model::cognateLoss
  // projects only those), found on the host so a GPU step never waits to read a count back.
  torch::Tensor scored_positions;
};

// Copies a data::TokenBatch (int32, row-major) into the int64 tensors the model takes, on
// `device` (built on the CPU, then copied: one transfer per tensor).
inline BatchTensors toTensors(const data::TokenBatch& batch, const torch::Device& device = torch::kCPU) {
  auto shape = std::vector<int64_t>{batch.rows, batch.seq_len};
  auto int32 = torch::TensorOptions().dtype(torch::kInt32);
  auto inputs = torch::from_blob(const_cast<int32_t*>(batch.inputs.data()), shape, int32).to(torch::kLong);
  auto targets = torch::from_blob(const_cast<int32_t*>(batch.targets.data()), shape, int32).to(torch::kLong);
  if (!batch.scored.empty()) {
    auto scored = torch::from_blob(const_cast<uint8_t*>(batch.scored.data()), shape, torch::kUInt8);
    targets.masked_fill_(scored.eq(0), kIgnoredTarget);
  }
  torch::Tensor segments;
  if (!batch.segments.empty()) {
    segments = torch::from_blob(const_cast<int32_t*>(batch.segments.data()), shape, int32).to(torch::kLong);
  }
  auto scored_positions = model::scoredPositions(targets, kIgnoredTarget);
  if (device.is_cpu()) return {inputs, targets, segments, scored_positions};
  return {inputs.to(device), targets.to(device), segments.defined() ? segments.to(device) : segments,
          scored_positions.to(device)};
}

}  // namespace cog::worker
