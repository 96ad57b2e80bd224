#include "optim/mugrokfast.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

#include "common/enforce.hpp"
#include "common/error.hpp"
#include "optim/newton_schulz.hpp"
#include "optim/orthogonalization_shards.hpp"

namespace cog::optim {
MuGrokfast::MuGrokfast(const std::vector<NamedParameter>& params, MuGrokfastOptions options)
    : options_(std::move(options)), grokfast_(options_.grokfast_alpha, options_.grokfast_lambda) {
  options_.validate();
  groupParameters(params);  // rejects undefined and duplicated parameters
  torch::NoGradGuard noGrad;
  states_.reserve(params.size());
  for (const NamedParameter& p : params) {
    if (!p.tensor.is_floating_point()) {
      throw InvariantError("optimizer parameter '" + p.name + "' is not floating point");
    }
    ParamState s;
    s.param = p;
    s.kind = classifyParameter(p.name, p.tensor);
    s.decays = options_.decay_all_parameters || decaysWeight(p.name, p.tensor);
    // Allocated up front (not lazily) so every checkpoint has the same keys and shapes.
    if (s.kind == ParamGroupKind::kMuon) {
      s.momentum = torch::zeros_like(p.tensor);
    } else {
      s.expAvg = torch::zeros_like(p.tensor);
      s.expAvgSq = torch::zeros_like(p.tensor);
    }
    states_.push_back(std::move(s));
  }
  std::vector<std::pair<int64_t, int64_t>> shapes;
  std::vector<size_t> muon;
  for (size_t i = 0; i < states_.size(); ++i) {
    const torch::Tensor& p = states_[i].param.tensor;
    if (states_[i].kind != ParamGroupKind::kMuon) continue;
    shapes.emplace_back(p.size(0), p.numel() / p.size(0));
    muon.push_back(i);
  }
  const bool on_gpu = !muon.empty() && !states_[muon.front()].param.tensor.device().is_cpu();
  nsBatches_ = groupNewtonSchulzBatches(shapes, on_gpu ? kMaxNewtonSchulzBatch : kMaxNewtonSchulzBatchOnCpu);
  for (auto& batch : nsBatches_) {
    for (size_t& member : batch) member = muon[member];  // index into shapes -> into states_
  }
}

void MuGrokfast::step() {
  torch::NoGradGuard noGrad;
  std::vector<torch::Tensor> directions(states_.size());
  for (size_t i = 0; i < states_.size(); ++i) {
    ParamState& s = states_[i];
    const torch::Tensor& rawGrad = s.param.tensor.grad();
    if (!rawGrad.defined()) continue;
    if (rawGrad.is_sparse()) {
      throw InvariantError("parameter '" + s.param.name +
                           "' has a sparse gradient; MuGrokfast needs dense gradients");
    }
    const torch::Tensor grad = grokfast_.apply(rawGrad, s.grokfastEma);
    if (s.kind == ParamGroupKind::kMuon) {
      directions[i] = muonDirection(s, grad);
    } else {
      adamUpdate(s, grad);
    }
  }
  orthogonalizeAndApply(directions);
  ++stepCount_;
}

void MuGrokfast::shareOrthogonalization(OrthogonalizationSharing sharing) {
  COG_ENFORCE_GE(sharing.world, 1);
  COG_ENFORCE_LT(sharing.rank, sharing.world);
  if (sharing.world > 1 && !sharing.sum_over_ranks) {
    throw InvariantError("shareOrthogonalization: a world of " + std::to_string(sharing.world) +
                         " needs a sum_over_ranks");
  }
  exchangeOffset_.assign(states_.size(), -1);
  exchangeElements_ = 0;
  std::vector<double> costs;
  for (const auto& batch : nsBatches_) {
    double cost = 0;
    for (size_t i : batch) {
      const torch::Tensor& p = states_[i].param.tensor;
      cost += newtonSchulzCost(p.size(0), p.numel() / p.size(0));
      exchangeOffset_[i] = exchangeElements_;
      exchangeElements_ += p.numel();
    }
    costs.push_back(cost);
  }
  batchOwner_ = assignOrthogonalizationOwners(costs, sharing.world);
  exchange_ = nsBatches_.empty()
                  ? torch::Tensor()
                  : torch::zeros({exchangeElements_},
                                 states_[nsBatches_.front().front()].param.tensor.options().dtype(torch::kFloat32));
  sharing_ = std::move(sharing);
}

// Muon (Jordan et al. 2024): Nesterov momentum, then replace the update by the nearest
// semi-orthogonal matrix so every direction of the weight matrix moves at the same rate.
torch::Tensor MuGrokfast::muonDirection(ParamState& s, const torch::Tensor& grad) {
  const double mu = options_.momentum;
  s.momentum.mul_(mu).add_(grad);
  const torch::Tensor u = options_.nesterov ? grad.add(s.momentum, mu) : s.momentum;
  // Conv-like >2-D weights are matrices of rows x (everything else).
  const int64_t rows = u.size(0);
  return u.reshape({rows, u.numel() / rows});
}

void MuGrokfast::applyMuon(ParamState& s, const torch::Tensor& o) {
  torch::Tensor& p = s.param.tensor;
  const double lr = groupLr(ParamGroupKind::kMuon);
  // O has unit singular values, so its RMS entry is 1/sqrt(cols) for a wide matrix but
  // 1/sqrt(rows) for a tall one; the factor gives tall matrices the same per-entry step.
  const int64_t rows = p.size(0);
  const int64_t cols = p.numel() / rows;
  const double scale = std::sqrt(std::max(1.0, static_cast<double>(rows) / cols));
  if (s.decays) p.mul_(1.0 - lr * options_.weightDecay(ParamGroupKind::kMuon));
  p.add_(o.view(p.sizes()).to(p.scalar_type()), -lr * scale);
}

std::vector<torch::Tensor> MuGrokfast::orthogonalizeBatch(const std::vector<size_t>& batch,
                                                        const std::vector<torch::Tensor>& directions) const {
  std::vector<torch::Tensor> gs;
  for (size_t i : batch) {
    if (directions[i].defined()) gs.push_back(directions[i]);
  }
  return newtonSchulzOrthogonalizeBatch(gs, options_.ns_steps);
}

void MuGrokfast::orthogonalizeAndApply(const std::vector<torch::Tensor>& directions) {
  const bool sharded = sharing_.world > 1 && exchange_.defined();
  if (!sharded) {
    for (const auto& batch : nsBatches_) {
      const std::vector<torch::Tensor> o = orthogonalizeBatch(batch, directions);
      size_t k = 0;
      for (size_t i : batch) {
        if (directions[i].defined()) applyMuon(states_[i], o[k++]);
      }
    }
    return;
  }
  // Every rank takes part in the sum, even with nothing of its own to add: it is a
  // collective. A matrix without a gradient is left out the same way on every rank, since
  // data-parallel ranks run the same graph.
  exchange_.zero_();
  for (size_t b = 0; b < nsBatches_.size(); ++b) {
    if (batchOwner_[b] != sharing_.rank) continue;
    const std::vector<torch::Tensor> o = orthogonalizeBatch(nsBatches_[b], directions);
    size_t k = 0;
    for (size_t i : nsBatches_[b]) {
      if (!directions[i].defined()) continue;
      exchange_.narrow(0, exchangeOffset_[i], directions[i].numel()).copy_(o[k++].reshape({-1}));
    }
  }
  sharing_.sum_over_ranks(exchange_);
  for (size_t i = 0; i < states_.size(); ++i) {
    if (!directions[i].defined()) continue;
    applyMuon(states_[i], exchange_.narrow(0, exchangeOffset_[i], directions[i].numel()));
  }
}

// AdamW (Loshchilov & Hutter 2019) with bias correction, in PyTorch's formulation.
void MuGrokfast::adamUpdate(ParamState& s, const torch::Tensor& grad) {
  torch::Tensor& p = s.param.tensor;
  const double lr = groupLr(ParamGroupKind::kFallback);
  const double beta1 = options_.adam_beta1;
  const double beta2 = options_.adam_beta2;
  s.adamSteps += 1;
  s.expAvg.mul_(beta1).add_(grad, 1.0 - beta1);
  s.expAvgSq.mul_(beta2).addcmul_(grad, grad, 1.0 - beta2);
  const double biasCorrection1 = 1.0 - std::pow(beta1, static_cast<double>(s.adamSteps));
  const double biasCorrection2 = 1.0 - std::pow(beta2, static_cast<double>(s.adamSteps));
  const torch::Tensor denom =
      (s.expAvgSq.sqrt() / std::sqrt(biasCorrection2)).add_(options_.adam_eps);
  if (s.decays) p.mul_(1.0 - lr * options_.weightDecay(ParamGroupKind::kFallback));
  p.addcdiv_(s.expAvg, denom, -lr / biasCorrection1);
}

void MuGrokfast::zeroGrad() {
  torch::NoGradGuard noGrad;
  for (ParamState& s : states_) {
    torch::Tensor& g = s.param.tensor.mutable_grad();
    if (!g.defined()) continue;
    if (g.requires_grad()) g = g.detach();  // a create_graph backward left a graph behind
    g.zero_();
  }
}

void MuGrokfast::setLrScale(double scale) {
  if (!std::isfinite(scale) || scale < 0.0) {
    std::ostringstream os;
    os << "learning-rate scale must be a finite number >= 0, got " << scale
       << " (check the schedule's min_lr_factor and step counts)";
    throw InvariantError(os.str());
  }
  lrScale_ = scale;
}

double MuGrokfast::groupLr(ParamGroupKind kind) const { return options_.baseLr(kind) * lrScale_; }

int64_t MuGrokfast::numParameters(ParamGroupKind kind) const {
  return std::count_if(states_.begin(), states_.end(),
                       [kind](const ParamState& s) { return s.kind == kind; });
}

int64_t MuGrokfast::numElements(ParamGroupKind kind) const {
  int64_t total = 0;
  for (const ParamState& s : states_) {
    if (s.kind == kind) total += s.param.tensor.numel();
  }
  return total;
}

}  // namespace cog::optim
