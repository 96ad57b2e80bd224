#pragma once
// Global gradient-norm clipping.
#include <torch/types.h>

#include <vector>

namespace cog::optim {

// Measures the global L2 norm of all defined .grad()s of `params` and, if it exceeds
// `max_norm` > 0, scales every grad by max_norm / (norm + 1e-6) (PyTorch's epsilon).
// Returns the PRE-clip norm: that is the signal the health monitor watches for explosions.
// A non-finite norm is returned as is and the grads are left untouched, so the trainer
// can report divergence instead of silently turning NaNs into a "clipped" step.
// max_norm <= 0 only measures.
double clipGradNorm(const std::vector<torch::Tensor>& params, double max_norm);

}  // namespace cog::optim
