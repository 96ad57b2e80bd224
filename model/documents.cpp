#include "model/documents.hpp"

#include <torch/torch.h>

namespace cog::model {

torch::Tensor sameDocumentMask(const torch::Tensor& segments) {
  return segments.unsqueeze(2) == segments.unsqueeze(1);
}

torch::Tensor positionsInDocument(const torch::Tensor& segments) {
  const int64_t seq = segments.size(1);
  auto index = torch::arange(seq, segments.options().dtype(torch::kLong)).expand_as(segments);
  // A document starts where the segment differs from the one before (and at t = 0); the
  // running maximum of those start indices is every position's document start.
  auto starts_here = torch::ones_like(segments, torch::kBool);
  if (seq > 1) {
    starts_here.narrow(1, 1, seq - 1).copy_(segments.narrow(1, 1, seq - 1) != segments.narrow(1, 0, seq - 1));
  }
  auto start = std::get<0>(torch::cummax(torch::where(starts_here, index, torch::zeros_like(index)), 1));
  return index - start;
}

}  // namespace cog::model
