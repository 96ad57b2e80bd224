// One optimizer step, as llm.c lays it out: batch -> forward -> backward (gradient buckets
// reduce across ranks as they fill) -> clip -> the ranks agree the step is finite -> step ->
// QK-clip -> report. The collectives every rank calls at the same point live here too.
#include <cmath>
#include <limits>
#include <thread>

#include "comms/wire/metric_names.hpp"
#include "optim/grad_clip.hpp"
#include "optim/qk_clip.hpp"
#include "worker/cuda_bf16_autocast.hpp"
#include "worker/token_batch_tensors.hpp"
#include "worker/trainer_state.hpp"

namespace cog::worker {
namespace {

// CUDA runs kernels asynchronously: on steps whose timings are reported, the timer
// synchronises before it reads, or it would measure kernel launches. Other steps never wait.
class StepTimer {
 public:
  StepTimer(const torch::Device& device, bool reported)
      : device_(device), synchronise_(device.is_cuda() && reported) {}
  // Seconds since the last mark (or the start).
  double lap() {
    if (synchronise_) torch::cuda::synchronize(device_.index());
    const auto now = TrainerClock::now();
    const double seconds = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    return seconds;
  }
  double sinceStart() const { return secondsSince(start_); }

 private:
  torch::Device device_;
  bool synchronise_;
  TrainerClock::time_point start_ = TrainerClock::now();
  TrainerClock::time_point last_ = start_;
};

}  // namespace

void Trainer::State::trainStep(const data::TokenBatch& batch, const data::CurriculumStage& stage,
                               double normalizer) {
  const bool reported = (pos.global_step + 1) % config.train.log_every == 0;
  StepTimer timer(device(), reported);
  StepTimes times;

  model::CognateLoss loss = forwardLoss(batch, normalizer);
  injectStepFaults(loss);
  times.forward = timer.lap();

  backward(loss);
  times.comm_wait = bucketer ? bucketer->lastWaitSeconds() : 0.0;
  times.backward = timer.lap() - times.comm_wait;

  const double grad_norm = optim::clipGradNorm(params, config.train.grad_clip);
  const AgreedStep agreed = agreeOnLoss(loss, grad_norm);
  optimizerStep(agreed, stage, grad_norm);
  const torch::Tensor clipped_heads =
      agreed.finite && config.train.qk_clip_tau > 0 ? clipAttentionLogits() : torch::Tensor();

  advance(batch, agreed.loss);
  if (world() > 1 && config.comms.consistency_every > 0 && pos.global_step % config.comms.consistency_every == 0) {
    checkRanksAgree();
  }
  times.update = timer.lap();
  times.step = timer.sinceStart();
  if (reported || !agreed.finite) reportStep(batch, agreed, grad_norm, clipped_heads, times);
}

// Forward and loss under autocast (when bf16); backward runs outside it, as autograd
// replays each op in the dtype its forward used.
model::CognateLoss Trainer::State::forwardLoss(const data::TokenBatch& batch, double normalizer) {
  const auto tensors = toTensors(batch, device());
  net->train();
  CudaBf16Autocast autocast(ctx.device.bf16_autocast);
  model::ForwardOptions options;
  options.segments = tensors.segments;
  options.answer_positions = tensors.scored_positions;
  const auto out = net->forward(tensors.inputs, options);
  return model::cognateLoss(*net, out, tensors.targets, kIgnoredTarget, normalizer, tensors.scored_positions);
}

// faults.*: the failures the coordinator's tests provoke (a NaN loss, a hung or crashed rank).
void Trainer::State::injectStepFaults(model::CognateLoss& loss) {
  const int64_t step = pos.global_step + 1;
  if (!faultApplies()) return;
  if (config.faults.nan_at_step == step) {
    loss.total = loss.total * std::numeric_limits<float>::quiet_NaN();
    reporter.onEvent({step, "fault", "faults.nan_at_step: loss forced to NaN"});
  }
  if (config.faults.hang_at_step == step) {
    reporter.onEvent({step, "fault", "faults.hang_at_step: the training thread stops here"});
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));  // until killed, as a deadlock would
  }
  if (config.faults.exit_at_step == step) {
    throw InjectedFault("faults.exit_at_step = " + std::to_string(config.faults.exit_at_step) + " on rank " +
                        std::to_string(rank()) + ": exiting as a crash would");
  }
}

// Gradients replace the last step's; with data parallelism each bucket is averaged over the
// ranks as soon as backward has filled it, and finishBackward waits for the last ones.
void Trainer::State::backward(const model::CognateLoss& loss) {
  optimizer->zeroGrad();
  if (bucketer) bucketer->beginBackward();
  loss.total.backward();
  if (bucketer) bucketer->finishBackward();
}

// One small allreduce: the mean loss over ranks, and whether any rank saw a non-finite loss
// or gradient norm — then every rank skips, or every rank steps.
AgreedStep Trainer::State::agreeOnLoss(const model::CognateLoss& loss, double grad_norm) {
  // One read-back of the four scalars (one host sync on a GPU, not four).
  const auto scalars = torch::stack({loss.total.detach(), loss.final_ce.detach(), loss.act_bce.detach(),
                                     loss.gate_entropy.detach().to(loss.total.scalar_type())})
                           .to(torch::kCPU, torch::kFloat64);
  const double* local = scalars.data_ptr<double>();
  const double local_loss = local[0];
  const bool local_finite = std::isfinite(local_loss) && std::isfinite(grad_norm);
  const auto sums = sumOverRanks({local_loss, local_finite ? 0.0 : 1.0, local[1], local[2], local[3]});
  const double n = static_cast<double>(world());
  AgreedStep agreed;
  agreed.loss = sums[0] / n;
  agreed.ranks_not_finite = sums[1];
  agreed.finite = sums[1] == 0;
  agreed.final_ce = sums[2] / n;
  agreed.act_bce = sums[3] / n;
  agreed.gate_entropy = sums[4] / n;
  return agreed;
}

void Trainer::State::optimizerStep(const AgreedStep& agreed, const data::CurriculumStage& stage, double grad_norm) {
  if (agreed.finite) {
    optimizer->setLrScale(schedule->factor(pos.global_step) * stage.lr_scale);
    optimizer->step();
    return;
  }
  optimizer->zeroGrad();
  reporter.onEvent({pos.global_step + 1, "skipped_step",
                    "non-finite loss " + formatNumber(agreed.loss) + " / grad norm " + formatNumber(grad_norm) +
                        " on " + formatNumber(agreed.ranks_not_finite) +
                        " rank(s): optimizer step skipped on every rank"});
}

// QK-clip on every attention module, from per-head logit maxima agreed over the ranks (their
// maximum), so that every rank rescales the same heads by the same factors and the weights
// stay identical. Returns the number of heads clipped, on the device: read only when reported.
torch::Tensor Trainer::State::clipAttentionLogits() {
  const auto handles = net->attentionHandles();
  std::vector<torch::Tensor> maxima;
  for (const auto& handle : handles) {
    if (!handle.max_logit_per_head.defined()) {
      throw InvariantError("QK-clip: attention " + handle.name + " recorded no logits in this step's forward");
    }
    maxima.push_back(handle.max_logit_per_head.to(torch::kFloat32));
  }
  auto agreed = torch::cat(maxima);
  if (world() > 1) ctx.collective->allreduce(agreed, comms::ReduceOp::kMax);
  torch::Tensor clipped = torch::zeros({}, agreed.options().dtype(torch::kLong));
  int64_t offset = 0;
  for (const auto& handle : handles) {
    const auto heads = agreed.narrow(0, offset, handle.num_heads);
    clipped += optim::qkClip(handle.wq, handle.wk, handle.num_heads, heads, config.train.qk_clip_tau).sum();
    offset += handle.num_heads;
  }
  return clipped;
}

void Trainer::State::advance(const data::TokenBatch& batch, double loss) {
  pos.global_step += 1;
  pos.step_in_epoch += 1;
  pos.tokens_seen += batch.rows * batch.seq_len * world();
  window_steps += 1;
  window_loss += loss;
}

// Rank 0 reports the step's scalars (every log_every steps, and every skipped step); every
// rank restarts its progress window.
void Trainer::State::reportStep(const data::TokenBatch& batch, const AgreedStep& agreed, double grad_norm,
                                const torch::Tensor& clipped_heads, const StepTimes& times) {
  const double window_seconds = secondsSince(window_start);
  if (isRankZero()) {
    StepReport r;
    r.step = pos.global_step;
    r.epoch = pos.epoch;
    r.step_in_epoch = pos.step_in_epoch;
    r.steps_in_epoch = steps_in_epoch;
    r.eta_seconds = std::max<int64_t>(0, planned_steps - pos.global_step) * (window_seconds / window_steps);
    r.scalars = {{wire::metric::kLoss, agreed.loss},
                 {wire::metric::kLossWindowMean, window_loss / window_steps},
                 {"final_ce", agreed.final_ce},
                 {"act_bce", agreed.act_bce},
                 {"gate_entropy", agreed.gate_entropy},
                 {wire::metric::kLrMuon, optimizer->groupLr(optim::ParamGroupKind::kMuon)},
                 {wire::metric::kLrFallback, optimizer->groupLr(optim::ParamGroupKind::kFallback)},
                 {wire::metric::kGradNorm, grad_norm},
                 {wire::metric::kTokensPerS, window_steps * batch.rows * batch.seq_len * world() / window_seconds},
                 {"step_seconds", times.step},
                 {"forward_seconds", times.forward},
                 {"backward_seconds", times.backward},
                 {"comm_wait_seconds", times.comm_wait},
                 {"update_seconds", times.update},
                 {wire::metric::kSeqLen, static_cast<double>(batch.seq_len)},
                 {wire::metric::kCurriculumStage, static_cast<double>(stage_index)},
                 {"qk_clipped_heads", clipped_heads.defined() ? clipped_heads.item<double>() : 0.0}};
    reporter.onStep(r);
  }
  window_start = TrainerClock::now();
  window_steps = 0;
  window_loss = 0;
}

// Sums `values` over ranks (identity in a single process).
std::vector<double> Trainer::State::sumOverRanks(std::vector<double> values) {
  if (world() == 1) return values;
  auto t = torch::tensor(values, torch::kFloat64);
  ctx.collective->allreduce(t, comms::ReduceOp::kSum);
  return std::vector<double>(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
}

// Ranks agree at each step boundary, in one small allreduce: on stopping (a signal that
// reached only some ranks, or reached them in different steps, still stops all of them at
// the same step) and on the number of scored tokens the loss is averaged over.
Trainer::State::StepAgreement Trainer::State::agreeOnStep(const data::TokenBatch& batch) {
  const bool local_stop = ctx.stop_requested && ctx.stop_requested->load();
  const ExternalCommands commands = ctx.poll_commands ? ctx.poll_commands() : ExternalCommands{};
  auto sums = sumOverRanks({local_stop ? 1.0 : 0.0, commands.stop ? 1.0 : 0.0, commands.checkpoint_now ? 1.0 : 0.0,
                            static_cast<double>(batch.scoredCount())});
  StepAgreement agreed;
  agreed.stop_command = sums[1] > 0;
  agreed.stop = sums[0] > 0 || agreed.stop_command;
  agreed.checkpoint_now = sums[2] > 0;
  agreed.normalizer = std::max(1.0, sums[3]) / static_cast<double>(world());
  return agreed;
}

// Bitwise agreement of the weights across ranks: a cheap exact checksum (the float bits
// summed as integers) compared with rank 0's. A mismatch means data parallelism is broken.
void Trainer::State::checkRanksAgree() {
  torch::NoGradGuard no_grad;
  int64_t checksum = 0;
  for (const auto& p : params) {
    checksum += p.detach().contiguous().view(torch::kInt32).to(torch::kInt64).sum().item<int64_t>();
  }
  auto reference = torch::tensor({checksum}, torch::kInt64);
  ctx.collective->broadcast(reference, 0);
  const bool same = reference.item<int64_t>() == checksum;
  const double mismatches = sumOverRanks({same ? 0.0 : 1.0})[0];
  if (mismatches > 0) {
    throw CommsError("parameters differ across ranks at step " + std::to_string(pos.global_step) + ": " +
                     std::to_string(static_cast<int64_t>(mismatches)) + " rank(s) disagree with rank 0's checksum " +
                     std::to_string(reference.item<int64_t>()) + " (this rank: " + std::to_string(checksum) + ")");
  }
  if (isRankZero()) {
    event("ranks_agree", "all " + std::to_string(world()) + " ranks hold identical parameters (checksum " +
                             std::to_string(checksum) + ")");
  }
}

}  // namespace cog::worker
