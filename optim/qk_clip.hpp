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
// pre-softmax logit S_h seen for each head (any dtype; on the weights' device, or it is
// moved there). For every head with a finite S_h > tau, that head's rows of wq and wk are
// multiplied by sqrt(tau / S_h) in place, so its logits (bilinear in wq and wk) shrink by
// exactly tau / S_h. Under data parallelism S_h must be the maximum over every rank
// (allreduce kMax) or ranks would scale different heads and their weights drift apart.
// Returns a bool [num_heads] on the weights' device, true for each clipped head; nothing is
// copied to the host, so a GPU step does not wait here. Throws InvariantError on
// inconsistent shapes or tau <= 0.
torch::Tensor qkClip(torch::Tensor wq, torch::Tensor wk, int64_t num_heads,
                     const torch::Tensor& max_logit_per_head, double tau);

// The indices of the true entries of qkClip's result, in increasing order (copies to host).
std::vector<int64_t> clippedHeads(const torch::Tensor& clipped);

}  // namespace cog::optim
