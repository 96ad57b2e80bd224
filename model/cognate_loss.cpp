#include "model/cognate_loss.hpp"

#include <algorithm>

#include <torch/torch.h>

#include "common/error.hpp"

namespace cog::model {

torch::Tensor scoredPositions(const torch::Tensor& targets, int64_t ignore_index) {
  return targets.reshape({-1}).ne(ignore_index).nonzero().reshape({-1});
}

CognateLoss cognateLoss(CognateModelImpl& model, const CognateOutput& output,
                        const torch::Tensor& targets, int64_t ignore_index, double normalizer,
                        const torch::Tensor& scored_positions) {
  const auto& config = model.config();
  const auto weights = config.activeStepWeights();
  // When inference halted early fewer states exist; weight the ones present, last = heaviest.
  const size_t states = output.step_hidden.size();
  const size_t first_weight = weights.size() - states;

  // Every loss term is a sum over scored positions, so the others are dropped before the
  // vocabulary projection; the result is the same as scoring all and masking.
  const auto positions = output.last_step_positions.defined() ? output.last_step_positions
                         : scored_positions.defined()         ? scored_positions
                                                              : scoredPositions(targets, ignore_index);
  if (scored_positions.defined() && scored_positions.numel() != positions.numel()) {
    throw InvariantError("cognateLoss: the forward's answer_positions are not the scored positions");
  }
  const auto scored_targets = targets.reshape({-1}).index_select(0, positions);
  const double scored = static_cast<double>(positions.numel());
  const double per_token = normalizer > 0 ? normalizer : std::max(scored, 1.0);
  // [B, T] or [B, T, D] -> [scored(, D)]; the last step's tensors already are, when the
  // forward ran it at the scored positions only.
  auto at_scored = [&](const torch::Tensor& per_position, size_t state) {
    if (state + 1 == states && output.last_step_positions.defined()) return per_position;
    const auto flat = per_position.dim() == 3 ? per_position.reshape({-1, per_position.size(-1)})
                                              : per_position.reshape({-1});
    return flat.index_select(0, positions);
  };

  CognateLoss loss;
  torch::Tensor weighted = torch::zeros({}, output.step_hidden.front().options());
  double weight_sum = 0.0;
  std::vector<torch::Tensor> step_ce;
  std::vector<torch::Tensor> correct;  // per step t >= 1: argmax == target, [scored]
  for (size_t t = 0; t < states; ++t) {
    auto logits = model.logits(at_scored(output.step_hidden[t], t));
    auto ce = torch::nn::functional::cross_entropy(
                  logits, scored_targets, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum)) /
              per_token;
    const double w = weights[first_weight + t];
    weighted = weighted + w * ce;
    weight_sum += w;
    step_ce.push_back(ce.detach());
    if (t + 1 == states) loss.final_ce = ce;
    if (t >= 1) correct.push_back((logits.detach().argmax(-1) == scored_targets).to(torch::kFloat32));
  }
  loss.step_ce = torch::stack(step_ce);
  loss.deep_supervision = weighted / weight_sum;

  loss.act_bce = torch::zeros({}, loss.deep_supervision.options());
  for (size_t t = 0; t < output.halt_logits.size(); ++t) {
    auto per_position = torch::binary_cross_entropy_with_logits(
        at_scored(output.halt_logits[t], t + 1), correct[t], /*weight=*/{}, /*pos_weight=*/{}, at::Reduction::Sum);
    loss.act_bce = loss.act_bce + per_position / per_token;
  }
  if (!output.halt_logits.empty()) loss.act_bce = loss.act_bce / static_cast<double>(output.halt_logits.size());

  loss.gate_entropy = output.gate_entropy;
  loss.total = loss.deep_supervision + config.act_loss_coef * loss.act_bce -
               config.gate_entropy_coef * loss.gate_entropy;
  return loss;
}

}  // namespace cog::model
