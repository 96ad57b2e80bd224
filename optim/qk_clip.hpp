#pragma once
// QK-clip (MuonClip, Kimi K2 report, Moonshot AI 2025): keeps attention logits bounded by
// shrinking the query and key projections of a head whose logits grew past tau. Muon's
// orthogonalised updates grow weights in every direction at once, which lets q.k logits
// explode; clipping the weights (not the logits) fixes the cause.
#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace cog::optim {

// wq, wk: nn.Linear weights of shape [num_heads * head_dim, d_model]; head h owns rows
// h*head_dim .. (h+1)*head_dim-1. max_logit_per_head: [num_heads], the largest
// pre-softmax logit S_h seen for each head (any device/dtype). For every head with a
// finite S_h > tau, that head's rows of wq and wk are multiplied by sqrt(tau / S_h) in
// place, so its logits (bilinear in wq and wk) shrink by exactly tau / S_h.
// Returns the clipped head indices in increasing order. Throws InvariantError on
// inconsistent shapes or tau <= 0.
std::vector<int64_t> qkClip(torch::Tensor wq, torch::Tensor wk, int64_t num_heads,
                            const torch::Tensor& max_logit_per_head, double tau);

}  // namespace cog::optim
