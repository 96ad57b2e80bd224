#include "worker/smoke_step.hpp"

#include <torch/torch.h>

#include <chrono>
#include <iomanip>

#include "common/error.hpp"
#include "model/cognate.hpp"
#include "model/cognate_loss.hpp"
#include "optim/grad_clip.hpp"
#include "optim/mugrokfast.hpp"
#include "worker/named_parameters.hpp"

namespace cog::worker {
namespace {

double millisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

SmokeReport runSmokeSteps(const SmokeOptions& options, std::ostream& log) {
  auto config = model::makeModelConfig(options.preset, options.variant);
  if (options.seq_len + 1 > config.max_seq_len) {
    throw ConfigError("smoke seq_len " + std::to_string(options.seq_len) +
                      " exceeds model.max_seq_len " + std::to_string(config.max_seq_len));
  }
  auto net = model::makeCognateModel(config);
  net->train();
  // A repeating pattern of 7 tokens: learnable in a handful of steps.
  auto stream = torch::arange(options.seq_len + 1).remainder(7).add(3).repeat({options.batch, 1});
  stream = stream.add(torch::arange(options.batch).unsqueeze(1)).remainder(config.vocab_size);
  using torch::indexing::Slice;
  auto inputs = stream.index({Slice(), Slice(0, options.seq_len)}).contiguous();
  auto targets = stream.index({Slice(), Slice(1)}).contiguous();

  optim::MuGrokfastOptions opt;
  opt.grokfast_lambda = 0.1;
  optim::MuGrokfast optimizer(namedParameters(*net), opt);
  SmokeReport report;
  report.muon_tensors = optimizer.numParameters(optim::ParamGroupKind::kMuon);
  report.fallback_tensors = optimizer.numParameters(optim::ParamGroupKind::kFallback);
  std::vector<torch::Tensor> params = net->parameters();

  for (int step = 0; step < options.steps; ++step) {
    auto t0 = std::chrono::steady_clock::now();
    auto out = net->forward(inputs);
    auto loss = model::cognateLoss(*net, out, targets);
    const double forward_ms = millisSince(t0);
    t0 = std::chrono::steady_clock::now();
    optimizer.zeroGrad();
    loss.total.backward();
    const double backward_ms = millisSince(t0);
    t0 = std::chrono::steady_clock::now();
    const double norm = optim::clipGradNorm(params, 1.0);
    optimizer.step();
    const double optimizer_ms = millisSince(t0);

    report.losses.push_back(loss.total.item<double>());
    if (step == 0) report.pre_clip_grad_norm = norm;
    report.forward_ms += forward_ms / options.steps;
    report.backward_ms += backward_ms / options.steps;
    report.optimizer_ms += optimizer_ms / options.steps;
    log << "  step " << step + 1 << "/" << options.steps << "  loss " << std::fixed
        << std::setprecision(4) << report.losses.back() << "  final_ce " << loss.final_ce.item<double>()
        << "  act_bce " << loss.act_bce.item<double>() << "  grad_norm " << norm
        << std::setprecision(1) << "  fwd " << forward_ms << " ms  bwd " << backward_ms
        << " ms  opt " << optimizer_ms << " ms\n"
        << std::defaultfloat;
  }
  return report;
}

}  // namespace cog::worker
