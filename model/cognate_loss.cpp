#include "model/cognate_loss.hpp"

#include <torch/torch.h>

namespace cog::model {

CognateLoss cognateLoss(CognateModelImpl& model, const CognateOutput& output,
                        const torch::Tensor& targets, int64_t ignore_index, double normalizer) {
  const auto& config = model.config();
  const auto weights = config.activeStepWeights();
  // When inference halted early fewer states exist; weight the ones present, last = heaviest.
  const size_t states = output.step_hidden.size();
  const size_t first_weight = weights.size() - states;

  auto flat_targets = targets.reshape({-1});
  auto valid = (flat_targets != ignore_index);
  auto valid_f = valid.to(torch::kFloat32);
  auto valid_count = normalizer > 0 ? torch::full({}, normalizer, valid_f.options())
                                    : valid_f.sum().clamp_min(1.0);
  auto safe_targets = flat_targets.masked_fill(valid.logical_not(), 0);

  CognateLoss loss;
  torch::Tensor weighted = torch::zeros({}, output.step_hidden.front().options());
  double weight_sum = 0.0;
  std::vector<torch::Tensor> correct;  // per step t >= 1: argmax == target, [B*T]
  for (size_t t = 0; t < states; ++t) {
    auto logits = model.logits(output.step_hidden[t]);
    auto flat_logits = logits.reshape({-1, logits.size(-1)});
    auto ce = torch::nn::functional::cross_entropy(
                  flat_logits, flat_targets,
                  torch::nn::functional::CrossEntropyFuncOptions().ignore_index(ignore_index).reduction(torch::kSum)) /
              valid_count;
    const double w = weights[first_weight + t];
    weighted = weighted + w * ce;
    weight_sum += w;
    loss.step_ce.push_back(ce.item<double>());
    if (t + 1 == states) loss.final_ce = ce;
    if (t >= 1) correct.push_back((flat_logits.detach().argmax(-1) == safe_targets).to(torch::kFloat32));
  }
  loss.deep_supervision = weighted / weight_sum;

  loss.act_bce = torch::zeros({}, loss.deep_supervision.options());
  for (size_t t = 0; t < output.halt_logits.size(); ++t) {
    auto per_position = torch::binary_cross_entropy_with_logits(
        output.halt_logits[t].reshape({-1}), correct[t], /*weight=*/{}, /*pos_weight=*/{},
        at::Reduction::None);
    loss.act_bce = loss.act_bce + (per_position * valid_f).sum() / valid_count;
  }
  if (!output.halt_logits.empty()) loss.act_bce = loss.act_bce / static_cast<double>(output.halt_logits.size());

  loss.gate_entropy = output.gate_entropy;
  loss.total = loss.deep_supervision + config.act_loss_coef * loss.act_bce -
               config.gate_entropy_coef * loss.gate_entropy;
  return loss;
}

}  // namespace cog::model
