#pragma once
// Which optimizer group each model parameter belongs to. The model hands over named
// parameters; optim never sees the model itself (DESIGN.md "Source layout").
#include <torch/types.h>

#include <string>
#include <vector>

#include "optim/mugrokfast_options.hpp"

namespace cog::optim {

struct NamedParameter {
  std::string name;
  torch::Tensor tensor;
};

// THE grouping rule; the trainer, the optimizer and the tests all call this one function.
// A parameter goes to Muon iff
//   - it has >= 2 dims and both of its first two dims are > 1 (Newton-Schulz needs a
//     real matrix; a [1, n] or [n, 1] "matrix" would be orthogonalised into a sign vector),
//   - and its name contains none of "emb", "lm_head", "norm", "gate", "halt", "bias".
// Embeddings and the (tied) LM head are lookup tables whose rows see very uneven gradient
// traffic, norms/biases/gates/halting heads are gains and offsets, not linear maps: the
// Muon paper (Jordan et al. 2024) keeps all of those on AdamW.
// Everything else goes to the AdamW fallback.
ParamGroupKind classifyParameter(const std::string& name, const torch::Tensor& tensor);

// Whether decoupled weight decay applies to a parameter by default: weight matrices (>= 2
// dims) only, never an embedding (nor the LM head tied to it), a norm's gain or a bias.
// Shrinking a gain or an offset toward 0 is not regularisation, and an embedding row would
// decay on every step while its token is rare (the GPT-2/nanoGPT recipe; Muon's reference
// decays only its hidden matrices). Every Muon parameter decays; in the fallback group the
// 2-D gate and halting weights do.
bool decaysWeight(const std::string& name, const torch::Tensor& tensor);

struct ParamGroups {
  std::vector<NamedParameter> muon;
  std::vector<NamedParameter> fallback;

  const std::vector<NamedParameter>& of(ParamGroupKind kind) const {
    return kind == ParamGroupKind::kMuon ? muon : fallback;
  }
};

// Splits parameters by classifyParameter, keeping their order within each group.
// Throws InvariantError if a parameter is undefined or appears twice (same tensor storage
// object, e.g. a tied weight listed under both names): it would be stepped twice.
ParamGroups groupParameters(const std::vector<NamedParameter>& params);

}  // namespace cog::optim
