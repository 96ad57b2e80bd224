#pragma once
#include <torch/types.h>

#include <vector>

#include "model/cognate.hpp"

namespace cog::model {

struct CognateLoss {
  torch::Tensor total;           // what backward() runs on
  torch::Tensor deep_supervision;  // weighted mean of the per-step cross-entropies
  torch::Tensor final_ce;        // cross-entropy of the last answer state (validation's loss)
  torch::Tensor act_bce;         // halting head's BCE against "step t already correct"
  torch::Tensor gate_entropy;
  torch::Tensor step_ce;         // [K+1] per-step cross-entropy, y0..yK, detached, for reports
};

// targets: [B, T] next-token ids; positions equal to ignore_index (padding, prompt tokens
// that should not be scored) contribute nothing.
//   total = sum_t w_t CE_t / sum_t w_t  +  act_coef * BCE(q_t, argmax_t == target)
//           - gate_entropy_coef * entropy
// The ACT target is the Tiny Recursive Model recipe: the halting head learns to predict
// whether step t's prediction at that position is already right.
// `normalizer`: the number of scored tokens the per-token losses are averaged over; 0 = this
// batch's own count. Data-parallel training passes (scored tokens over all ranks) / world,
// so averaging gradients over ranks gives exactly the global per-token mean even when ranks
// score different numbers of tokens.
// `scored_positions`: the flat indices (into B*T) of the positions whose target is not
// ignore_index, when the caller has them (scoredPositions, computed on the host before the
// batch goes to the device); undefined = computed here. Only those positions are projected
// to logits: with data.loss_on: answer most positions are prompt, and the vocabulary
// projection of every refinement state was a large share of a small model's step. When
// the forward ran its last step at ForwardOptions::answer_positions only, those are the
// positions (they must be the scored ones).
CognateLoss cognateLoss(CognateModelImpl& model, const CognateOutput& output,
                        const torch::Tensor& targets, int64_t ignore_index = -100,
                        double normalizer = 0, const torch::Tensor& scored_positions = {});

// The flat indices of `targets`' positions not equal to ignore_index (int64, on targets'
// device; on a GPU this reads the count back, so build it on the host when it matters).
torch::Tensor scoredPositions(const torch::Tensor& targets, int64_t ignore_index = -100);

}  // namespace cog::model
