#include "worker/trainer.hpp"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "comms/bucketer.hpp"
#include "comms/wire/metric_names.hpp"
#include "model/cognate_loss.hpp"
#include "model/tokenizer/tokenizer_factory.hpp"
#include "optim/grad_clip.hpp"
#include "optim/qk_clip.hpp"
#include "worker/checkpoint/checkpoint_recovery.hpp"
#include "worker/cuda_bf16_autocast.hpp"
#include "worker/data/data_set.hpp"
#include "worker/named_parameters.hpp"
#include "worker/token_batch_tensors.hpp"
#include "worker/validator.hpp"

namespace cog::worker {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string fmt(double v, int precision = 4) {
  std::ostringstream os;
  os.precision(precision);
  os << v;
  return os.str();
}

}  // namespace

int64_t scaledWarmup(int64_t warmup_steps, int64_t planned_steps) {
  if (warmup_steps < planned_steps) return warmup_steps;
  // A tenth of the run, the share warmup usually takes: the run still warms up and then
  // spends most of its steps at and after the peak lr.
  return std::max<int64_t>(planned_steps / 10, planned_steps > 1 ? 1 : 0);
}

std::string describeValidation(const TrainResult& result) {
  const TrainerPosition& pos = result.position;
  if (!std::isfinite(pos.last_val_loss)) return "not validated yet";
  return "val_loss " + fmt(pos.last_val_loss) + ", best " + fmt(pos.best_val_loss) + ", exact_match " +
         fmt(result.final_exact_match, 3);
}

wire::RunEnd runEndOf(StopReason reason) {
  switch (reason) {
    case StopReason::kCompleted: return wire::RunEnd::kCompleted;
    case StopReason::kMaxSteps: return wire::RunEnd::kMaxSteps;
    case StopReason::kSignal: return wire::RunEnd::kSignal;
    case StopReason::kStopCommand: return wire::RunEnd::kStopCommand;
    case StopReason::kAlreadyFinished: return wire::RunEnd::kAlreadyFinished;
  }
  return wire::RunEnd::kFailed;
}

const char* stopReasonName(StopReason reason) {
  switch (reason) {
    case StopReason::kCompleted: return "completed";
    case StopReason::kMaxSteps: return "max_steps";
    case StopReason::kSignal: return "signal";
    case StopReason::kStopCommand: return "stop_command";
    case StopReason::kAlreadyFinished: return "already_finished";
  }
  return "unknown";
}

struct Trainer::State {
  State(const WorkerConfig& c, const RunContext& x, Reporter& r) : config(c), ctx(x), reporter(r) {}

  const WorkerConfig& config;
  RunContext ctx;
  Reporter& reporter;
  std::unique_ptr<Tokenizer> tokenizer;
  std::unique_ptr<data::DataSet> dataset;
  model::CognateModel net{nullptr};
  std::unique_ptr<optim::MuGrokfast> optimizer;
  std::unique_ptr<optim::LrSchedule> schedule;
  std::vector<torch::Tensor> params;
  std::unique_ptr<comms::GradientBucketer> bucketer;  // only when world > 1
  TrainerPosition pos;
  ValidationReport last_validation;
  bool have_validation = false;

  // Progress-window accounting for tokens/s and ETA.
  Clock::time_point window_start = Clock::now();
  int64_t window_steps = 0;
  double window_loss = 0;
  int64_t planned_steps = 0;
  int64_t steps_in_epoch = 0;
  size_t stage_index = 0;  // curriculum stage of the current epoch (reported: the coordinator's
                           // loss-rise guard restarts its baseline when it changes)

  std::filesystem::path checkpointRoot() const { return ctx.run_dir / "checkpoints"; }
  const torch::Device& device() const { return ctx.device.device; }
  int64_t rank() const { return ctx.collective ? ctx.collective->rank() : 0; }
  int64_t world() const { return ctx.collective ? ctx.collective->size() : 1; }
  bool isRankZero() const { return rank() == 0; }
  int64_t globalBatch() const { return world() * config.train.batch_size; }

  // Sums `values` over ranks (identity in a single process). Every rank must call it at the
  // same point of the step, in the same order.
  std::vector<double> sumOverRanks(std::vector<double> values);
  struct StepAgreement {
    bool stop = false;        // some rank was asked to stop: all stop before this step
    bool stop_command = false;    // ... by the coordinator (else by a signal)
    bool checkpoint_now = false;  // the coordinator asked for a checkpoint now
    double normalizer = 0;    // scored tokens over all ranks / world (see cognateLoss)
  };
  StepAgreement agreeOnStep(const data::TokenBatch& batch);
  void startDataParallel();
  void adoptPosition(const TrainerPosition& saved);
  void checkRanksAgree();
  bool faultApplies() const { return config.faults.rank < 0 || config.faults.rank == rank(); }

  void prepare();
  int64_t planSteps() const;
  void trainStep(const data::TokenBatch& batch, const data::CurriculumStage& stage, double normalizer);
  void report(double seconds_per_step, const Scalars& scalars);
  void validate(int64_t epoch);
  std::filesystem::path checkpoint(const std::string& name);
  void reportCheckpoint(const std::string& name, const std::filesystem::path& dir);
  void prunePeriodic();
  TrainResult finish(StopReason reason, bool validate_now);
};

Trainer::Trainer(const WorkerConfig& config, const RunContext& context, Reporter& reporter)
    : state_(std::make_unique<State>(config, context, reporter)) {}
Trainer::~Trainer() = default;

void Trainer::State::prepare() {
  if (config.train.device == "cuda" && !device().is_cuda()) {
    throw InvariantError("train.device = cuda, but the trainer was given " + device().str() +
                         ": resolve RunContext::device with resolveTrainDevice() at the entry point");
  }
  tokenizer = makeTokenizer(config.tokenizer);
  if (tokenizer->vocabSize() > config.model.vocab_size) {
    throw ConfigError(config.source + ": model.vocab_size = " + std::to_string(config.model.vocab_size) +
                      " is smaller than the " + tokenizer->name() + " tokenizer's " +
                      std::to_string(tokenizer->vocabSize()) + " ids");
  }
  auto warn = [this](const std::string& message) { reporter.onEvent({pos.global_step, "data_warning", message}); };
  dataset = std::make_unique<data::DataSet>(config.data, *tokenizer, config.train.seq_len, warn);
  if (isRankZero()) {
    for (const auto& stats : dataset->sourceStats()) reporter.onEvent({0, "data", data::formatSourceStats(stats)});
  }

  if (isRankZero() && (device().is_cuda() || !ctx.device.note.empty())) {
    const std::string& note = ctx.device.note;
    reporter.onEvent({0, "device", ctx.device.describe() + (note.empty() ? "" : ": " + note)});
  }
  net = model::makeCognateModel(config.model);  // seeds itself from model.seed (= train.seed)
  // Initialised on the CPU on every device, so one seed gives the same weights anywhere;
  // moved before the optimizer sees the parameters, so its state is created beside them.
  if (!device().is_cpu()) net->to(device());
  optimizer = std::make_unique<optim::MuGrokfast>(namedParameters(*net), config.optim);
  params = net->parameters();

  std::filesystem::create_directories(checkpointRoot());
  if (isRankZero()) {
    checkpoint::recoverInterrupted(checkpointRoot());
    checkpoint::removeStaleTemporaries(checkpointRoot());
  }
  std::optional<std::filesystem::path> start;
  if (ctx.resume) {
    start = newestCheckpoint(checkpointRoot());
    if (!start && ctx.init_from.empty()) {
      reporter.onEvent({0, "resume", "no checkpoint in " + checkpointRoot().string() + ": starting fresh"});
    }
  }
  const bool from_elsewhere = !start && !ctx.init_from.empty();
  if (from_elsewhere) start = ctx.init_from;
  if (start) {
    loadTrainingCheckpoint(*start, *net, optimizer.get());
    adoptPosition(readCheckpointContents(*start).position);
    // A rollback may start from the checkpoint an old attempt saved as it stopped ("final").
    if (from_elsewhere) pos.finished = false;
    reporter.onEvent({pos.global_step, "resume",
                      "from " + start->string() + " at epoch " + std::to_string(pos.epoch + 1) + ", step " +
                          std::to_string(pos.step_in_epoch) + " of the epoch (global batch " +
                          std::to_string(globalBatch()) + ")"});
  }
  pos.global_batch = globalBatch();
  startDataParallel();

  planned_steps = planSteps();
  optim::ScheduleConfig schedule_config = config.schedule;
  if (schedule_config.total_steps == 0) {
    schedule_config.total_steps = planned_steps;
    schedule_config.warmup_steps = scaledWarmup(schedule_config.warmup_steps, planned_steps);
    if (schedule_config.warmup_steps != config.schedule.warmup_steps && isRankZero()) {
      reporter.onEvent({pos.global_step, "warmup_scaled",
                        "schedule.warmup_steps = " + std::to_string(config.schedule.warmup_steps) +
                            " is not shorter than the whole run (" + std::to_string(planned_steps) +
                            " steps from train.epochs / train.max_steps and the data): warming up over " +
                            std::to_string(schedule_config.warmup_steps) + " steps instead"});
    }
  }
  schedule = optim::makeLrSchedule(schedule_config);
  const auto& adjust = config.adjust;
  if (adjust.warmup_from_step >= 0) {
    const int64_t warmup = adjust.warmup_steps > 0 ? adjust.warmup_steps
                           : config.schedule.warmup_steps > 0 ? config.schedule.warmup_steps : 20;
    schedule = std::make_unique<optim::RestartedWarmup>(std::move(schedule), adjust.warmup_from_step, warmup);
  }
  if (adjust.lr_factor != 1.0 || adjust.grokfast_lambda_factor != 1.0 || adjust.warmup_from_step >= 0) {
    reporter.onEvent({pos.global_step, "adjusted",
                      "lr x " + fmt(adjust.lr_factor) + " (muon " + fmt(config.optim.muon_lr) + ", fallback " +
                          fmt(config.optim.fallback_lr) + "), grokfast lambda x " + fmt(adjust.grokfast_lambda_factor) +
                          (adjust.warmup_from_step >= 0 ? ", warmup restarted at step " + std::to_string(adjust.warmup_from_step)
                                                        : std::string())});
  }
}

// A checkpoint saved at another world size counts step_in_epoch in other global batches:
// convert through chunks consumed, rounding up so no chunk is trained on twice.
void Trainer::State::adoptPosition(const TrainerPosition& saved) {
  pos = saved;
  const int64_t now = globalBatch();
  if (saved.global_batch > 0 && saved.global_batch != now && saved.step_in_epoch > 0) {
    const int64_t chunks = saved.step_in_epoch * saved.global_batch;
    pos.step_in_epoch = (chunks + now - 1) / now;
    reporter.onEvent({pos.global_step, "resume_rescaled",
                      "global batch " + std::to_string(saved.global_batch) + " -> " + std::to_string(now) +
                          ": " + std::to_string(chunks) + " chunks of epoch " + std::to_string(pos.epoch + 1) +
                          " done, continuing at its step " + std::to_string(pos.step_in_epoch)});
  }
}

// Every rank starts from rank 0's weights (after a resume too), then gradients flow
// through the bucketer's allreduce.
void Trainer::State::startDataParallel() {
  if (world() == 1) return;
  {
    torch::NoGradGuard no_grad;
    for (auto& p : params) ctx.collective->broadcast(p.detach(), 0);
  }
  comms::BucketOptions options;
  options.bucket_bytes = static_cast<int64_t>(config.comms.bucket_mb * 1024 * 1024);
  options.first_bucket_bytes = static_cast<int64_t>(config.comms.first_bucket_mb * 1024 * 1024);
  bucketer = std::make_unique<comms::GradientBucketer>(params, *ctx.collective, options);
  if (config.optim.shard_orthogonalization) {
    optimizer->shareOrthogonalization({static_cast<int>(rank()), static_cast<int>(world()),
                                       [this](torch::Tensor& t) { ctx.collective->allreduce(t, comms::ReduceOp::kSum); }});
  }
  if (isRankZero()) {
    reporter.onEvent({pos.global_step, "data_parallel",
                      std::to_string(world()) + " ranks over " + ctx.collective->backendName() + ", " +
                          std::to_string(bucketer->layout().size()) + " gradient buckets for " +
                          std::to_string(params.size()) + " parameters" +
                          (config.optim.shard_orthogonalization ? ", Newton-Schulz split over ranks" : "")});
  }
}

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
    reporter.onEvent({pos.global_step, "ranks_agree",
                      "all " + std::to_string(world()) + " ranks hold identical parameters (checksum " +
                          std::to_string(checksum) + ")"});
  }
}

// Steps the whole run will take: every epoch's steps at its curriculum stage, capped by
// train.max_steps. The cosine schedule ends here.
int64_t Trainer::State::planSteps() const {
  int64_t total = 0;
  for (int64_t epoch = 0; epoch < config.train.epochs; ++epoch) {
    total += dataset->trainStream(epoch).stepsPerEpoch(world(), config.train.batch_size);
  }
  if (config.train.max_steps > 0) total = std::min(total, config.train.max_steps);
  return total;
}

// One optimizer step: forward -> loss -> backward (buckets reduce as gradients become ready)
// -> clip -> ranks agree the step is finite -> schedule -> step -> report.
void Trainer::State::trainStep(const data::TokenBatch& batch, const data::CurriculumStage& stage,
                               double normalizer) {
  const auto step_start = Clock::now();
  // CUDA runs kernels asynchronously: on steps whose timings are reported, synchronise
  // before each timer reads, or they would measure kernel launches. Other steps do not wait.
  const bool timed = device().is_cuda() && (pos.global_step + 1) % config.train.log_every == 0;
  auto syncForTimer = [&] {
    if (timed) torch::cuda::synchronize(device().index());
  };
  auto tensors = toTensors(batch, device());
  net->train();

  // Forward and loss under autocast (when bf16); backward runs outside it, as autograd
  // replays each op in the dtype its forward used.
  auto loss = [&] {
    CudaBf16Autocast autocast(ctx.device.bf16_autocast);
    model::ForwardOptions options;
    options.segments = tensors.segments;
    auto out = net->forward(tensors.inputs, options);
    return model::cognateLoss(*net, out, tensors.targets, kIgnoredTarget, normalizer);
  }();
  if (config.faults.nan_at_step == pos.global_step + 1 && faultApplies()) {
    loss.total = loss.total * std::numeric_limits<float>::quiet_NaN();
    reporter.onEvent({pos.global_step + 1, "fault", "faults.nan_at_step: loss forced to NaN"});
  }
  if (config.faults.hang_at_step == pos.global_step + 1 && faultApplies()) {
    reporter.onEvent({pos.global_step + 1, "fault", "faults.hang_at_step: the training thread stops here"});
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));  // until killed, as a deadlock would
  }
  if (config.faults.exit_at_step == pos.global_step + 1 && faultApplies()) {
    throw InjectedFault("faults.exit_at_step = " + std::to_string(config.faults.exit_at_step) +
                        " on rank " + std::to_string(rank()) + ": exiting as a crash would");
  }

  // Step-time breakdown (bench/train_throughput reads it): forward + loss; backward with
  // the bucket reductions it overlaps; the wait for the last buckets; the rest (clip, the
  // agreement allreduce, optimizer, QK-clip).
  syncForTimer();
  const double forward_seconds = secondsSince(step_start);
  const auto backward_start = Clock::now();
  optimizer->zeroGrad();
  if (bucketer) bucketer->beginBackward();
  loss.total.backward();
  if (bucketer) bucketer->finishBackward();
  syncForTimer();
  const double comm_wait_seconds = bucketer ? bucketer->lastWaitSeconds() : 0.0;
  const double backward_seconds = secondsSince(backward_start) - comm_wait_seconds;
  const auto update_start = Clock::now();
  const double grad_norm = optim::clipGradNorm(params, config.train.grad_clip);

  // One small allreduce: the mean loss over ranks, and whether any rank saw a non-finite
  // loss or gradient — then every rank skips, or every rank steps.
  const double local_loss = loss.total.item<double>();
  const bool local_finite = std::isfinite(local_loss) && std::isfinite(grad_norm);
  auto agreed = sumOverRanks({local_loss, local_finite ? 0.0 : 1.0, loss.final_ce.item<double>(),
                              loss.act_bce.item<double>(), loss.gate_entropy.item<double>()});
  const double n = static_cast<double>(world());
  const double loss_value = agreed[0] / n;
  const bool finite = agreed[1] == 0;
  if (finite) {
    optimizer->setLrScale(schedule->factor(pos.global_step) * stage.lr_scale);
    optimizer->step();
  } else {
    optimizer->zeroGrad();
    reporter.onEvent({pos.global_step + 1, "skipped_step",
                      "non-finite loss " + fmt(loss_value) + " / grad norm " + fmt(grad_norm) + " on " +
                          fmt(agreed[1]) + " rank(s): optimizer step skipped on every rank"});
  }
  int64_t clipped_heads = 0;
  if (finite && config.train.qk_clip_tau > 0) {
    for (const auto& handle : net->attentionHandles()) {
      clipped_heads += static_cast<int64_t>(
          optim::qkClip(handle.wq, handle.wk, handle.num_heads, handle.max_logit_per_head,
                        config.train.qk_clip_tau).size());
    }
  }

  pos.global_step += 1;
  pos.step_in_epoch += 1;
  pos.tokens_seen += batch.rows * batch.seq_len * world();
  window_steps += 1;
  window_loss += loss_value;
  if (world() > 1 && config.comms.consistency_every > 0 && pos.global_step % config.comms.consistency_every == 0) {
    checkRanksAgree();
  }

  syncForTimer();
  const double update_seconds = secondsSince(update_start);
  const double step_seconds = secondsSince(step_start);
  if (pos.global_step % config.train.log_every == 0 || !finite) {
    const double window_seconds = secondsSince(window_start);
    Scalars s = {{wire::metric::kLoss, loss_value},
                 {wire::metric::kLossWindowMean, window_loss / window_steps},
                 {"final_ce", agreed[2] / n},
                 {"act_bce", agreed[3] / n},
                 {"gate_entropy", agreed[4] / n},
                 {wire::metric::kLrMuon, optimizer->groupLr(optim::ParamGroupKind::kMuon)},
                 {wire::metric::kLrFallback, optimizer->groupLr(optim::ParamGroupKind::kFallback)},
                 {wire::metric::kGradNorm, grad_norm},
                 {wire::metric::kTokensPerS, window_steps * batch.rows * batch.seq_len * world() / window_seconds},
                 {"step_seconds", step_seconds},
                 {"forward_seconds", forward_seconds},
                 {"backward_seconds", backward_seconds},
                 {"comm_wait_seconds", comm_wait_seconds},
                 {"update_seconds", update_seconds},
                 {wire::metric::kSeqLen, static_cast<double>(batch.seq_len)},
                 {wire::metric::kCurriculumStage, static_cast<double>(stage_index)},
                 {"qk_clipped_heads", static_cast<double>(clipped_heads)}};
    if (isRankZero()) report(window_seconds / window_steps, s);
    window_start = Clock::now();
    window_steps = 0;
    window_loss = 0;
  }
}

void Trainer::State::report(double seconds_per_step, const Scalars& scalars) {
  StepReport r;
  r.step = pos.global_step;
  r.epoch = pos.epoch;
  r.step_in_epoch = pos.step_in_epoch;
  r.steps_in_epoch = steps_in_epoch;
  r.eta_seconds = std::max<int64_t>(0, planned_steps - pos.global_step) * seconds_per_step;
  r.scalars = scalars;
  reporter.onStep(r);
}

void Trainer::State::validate(int64_t epoch) {
  const auto& v = config.validation;
  const int64_t seq_len = config.train.seq_len;
  ValidationReport report;
  report.step = pos.global_step;
  report.epoch = epoch;

  // Each rank scores its share of the held-out chunks; sums are reduced, not means.
  // (max_batches caps each rank's share, so the cap covers world x max_batches batches.)
  auto shardedLoss = [&](const data::EpochStream& stream) {
    const auto [first, last] = stream.shardRange(rank(), world());
    auto part = evaluateLoss(*net, stream, first, last, v.batch_size, v.max_batches);
    auto sums = sumOverRanks({part.loss_sum, static_cast<double>(part.tokens)});
    return LossResult{sums[0], static_cast<int64_t>(sums[1])};
  };
  LossResult total = shardedLoss(dataset->validationStream(seq_len));
  // The answered questions are shared fairly among every source's slices (family, operand
  // class), so each slice's exact match rests on a fair share of generate_samples.
  std::vector<std::vector<data::QaRecord>> slices;
  for (size_t s = 0; s < dataset->numSources(); ++s) {
    auto part = shardedLoss(dataset->validationStream(s, seq_len));
    if (part.tokens > 0) report.per_source.emplace_back(dataset->sourceStats()[s].name, part.mean());
    for (auto& slice : splitBySlice(dataset->validationRecords(s))) slices.push_back(std::move(slice));
  }
  // Per curriculum stage: loss on the held-out records the stage draws from (all ranks).
  const auto& stages = dataset->curriculum().stages();
  std::vector<LossResult> stage_losses;
  if (stages.size() > 1) {
    for (const auto& stage : stages) {
      stage_losses.push_back(shardedLoss(dataset->validationStreamUpTo(stage.max_difficulty, seq_len)));
    }
  }
  // Greedy answers are generated by rank 0 alone: they only feed its report.
  AnswerResult answers;
  if (isRankZero()) {
    answers = evaluateAnswers(*net, *tokenizer, interleave(slices, v.generate_samples), v.max_new_tokens);
  }
  const double val_loss = total.mean();
  report.scalars = {{wire::metric::kValLoss, val_loss},
                    {"val_ppl", std::exp(std::min(val_loss, 50.0))},
                    {wire::metric::kExactMatch, answers.exactMatch()},
                    {wire::metric::kExactMatchFlexible, answers.flexibleMatch()},
                    {wire::metric::kAnswered, static_cast<double>(answers.answered)},
                    {wire::metric::kDistinct1, answers.distinct_1},
                    {wire::metric::kDistinct2, answers.distinct_2},
                    {wire::metric::kTopTokenShare, answers.top_token_share},
                    {"val_tokens", static_cast<double>(total.tokens)}};
  for (auto& scalar : sliceScalars(answers)) report.scalars.push_back(std::move(scalar));
  for (size_t k = 0; k < stage_losses.size(); ++k) {
    if (stage_losses[k].tokens == 0) continue;
    report.scalars.emplace_back(wire::metric::kValLossStagePrefix + std::to_string(k), stage_losses[k].mean());
    report.scalars.emplace_back(wire::metric::kExactMatchStagePrefix + std::to_string(k),
                                exactMatchUpTo(answers, stages[k].max_difficulty));
  }
  report.samples = answers.samples;
  pos.last_val_loss = val_loss;
  if (val_loss < pos.best_val_loss) pos.best_val_loss = val_loss;
  last_validation = report;
  have_validation = true;
  if (isRankZero()) reporter.onValidation(report);
  reporter.onProgress(pos.global_step);
}

std::filesystem::path Trainer::State::checkpoint(const std::string& name) {
  if (!isRankZero()) return {};  // one writer per job
  nlohmann::json meta = nlohmann::json::object();
  if (have_validation) {
    for (const auto& [k, v] : last_validation.scalars) {
      if (std::isfinite(v)) meta[k] = v;
    }
    meta["validated_at_step"] = last_validation.step;
  }
  CheckpointContents contents{pos, config.yaml, tokenizer->name()};
  auto dir = saveTrainingCheckpoint(checkpointRoot(), name, *net, optimizer.get(), contents, meta.dump());
  reportCheckpoint(name, dir);
  return dir;
}

// The coordinator's record of a durable checkpoint: the validation it follows (if one ran
// at this very step) and whether this worker saw anything non-finite before it.
void Trainer::State::reportCheckpoint(const std::string& name, const std::filesystem::path& dir) {
  const bool validated_here = have_validation && last_validation.step == pos.global_step;
  const double val_loss = validated_here ? scalarOr(last_validation.scalars, wire::metric::kValLoss, NAN) : NAN;
  const bool healthy = !have_validation || std::isfinite(scalarOr(last_validation.scalars, wire::metric::kValLoss, NAN));
  reporter.onCheckpoint({pos.global_step, name, std::filesystem::absolute(dir).string(), val_loss, healthy});
  reporter.onProgress(pos.global_step);
}

// Keeps the newest checkpoint.keep_last periodic "epoch-NNNN" checkpoints (0 = all).
void Trainer::State::prunePeriodic() {
  if (config.checkpoint.keep_last == 0) return;
  std::vector<std::filesystem::path> periodic;
  for (const auto& entry : std::filesystem::directory_iterator(checkpointRoot())) {
    if (entry.path().filename().string().rfind("epoch-", 0) == 0) periodic.push_back(entry.path());
  }
  std::sort(periodic.begin(), periodic.end());
  while (static_cast<int64_t>(periodic.size()) > config.checkpoint.keep_last) {
    std::filesystem::remove_all(periodic.front());
    periodic.erase(periodic.begin());
  }
}

TrainResult Trainer::State::finish(StopReason reason, bool validate_now) {
  if (validate_now) validate(pos.epoch);
  pos.finished = reason == StopReason::kCompleted || reason == StopReason::kMaxSteps;
  TrainResult result;
  result.reason = reason;
  result.final_checkpoint = checkpoint("final");
  result.position = pos;
  result.final_exact_match = have_validation ? scalarOr(last_validation.scalars, "exact_match", 0) : 0;
  reporter.onFinished({pos.global_step, runEndOf(reason), describeValidation(result)});
  return result;
}

const TrainerPosition& Trainer::position() const { return state_->pos; }

TrainResult Trainer::run() {
  auto& s = *state_;
  s.prepare();
  if (s.pos.finished) {
    if (s.isRankZero()) {
      s.reporter.onFinished({s.pos.global_step, wire::RunEnd::kAlreadyFinished,
                             "the newest checkpoint is of a finished run: nothing to do"});
    }
    TrainResult result;
    result.reason = StopReason::kAlreadyFinished;
    result.position = s.pos;
    return result;
  }
  const auto& train = s.config.train;
  size_t stage_index = s.dataset->curriculum().stageIndexFor(s.pos.epoch);

  for (int64_t epoch = s.pos.epoch; epoch < train.epochs; ++epoch) {
    s.pos.epoch = epoch;
    const auto& stage = s.dataset->stageFor(epoch);
    const size_t index = s.dataset->curriculum().stageIndexFor(epoch);
    s.stage_index = index;
    if (index != stage_index) {
      stage_index = index;
      s.reporter.onEvent({s.pos.global_step, "stage_change",
                          "curriculum stage " + std::to_string(index) + " from epoch " + std::to_string(epoch + 1) +
                              ": seq_len " + std::to_string(stage.seq_len) + ", max_difficulty " +
                              std::to_string(stage.max_difficulty) + ", lr_scale " + fmt(stage.lr_scale) +
                              " (optimizer state kept)"});
    }
    auto stream = s.dataset->trainStream(epoch);
    const int64_t steps = stream.stepsPerEpoch(s.world(), train.batch_size);
    s.steps_in_epoch = steps;
    if (steps == 0) {
      throw DataError("epoch " + std::to_string(epoch + 1) + " has " + std::to_string(stream.numChunks()) +
                      " chunks of " + std::to_string(stream.seqLen()) + " tokens, fewer than one global batch of " +
                      std::to_string(s.globalBatch()) + ": add data or lower train.batch_size");
    }
    for (int64_t step = s.pos.step_in_epoch; step < steps; ++step) {
      if (train.max_steps > 0 && s.pos.global_step >= train.max_steps) return s.finish(StopReason::kMaxSteps, true);
      auto batch = stream.shardBatch(step, s.rank(), s.world(), train.batch_size);
      const auto agreement = s.agreeOnStep(batch);
      if (agreement.stop) {
        return s.finish(agreement.stop_command ? StopReason::kStopCommand : StopReason::kSignal,
                        s.config.validation.on_stop);
      }
      if (agreement.checkpoint_now) {
        char name[40];
        std::snprintf(name, sizeof name, "step-%08lld", static_cast<long long>(s.pos.global_step));
        s.checkpoint(name);
      }
      s.trainStep(batch, stage, agreement.normalizer);
      s.reporter.onProgress(s.pos.global_step);
      const bool capped = train.max_steps > 0 && s.pos.global_step >= train.max_steps;
      if (capped && step + 1 < steps) return s.finish(StopReason::kMaxSteps, true);
    }
    // Epoch done: the position now points at the start of the next epoch.
    s.pos.epoch = epoch + 1;
    s.pos.step_in_epoch = 0;
    const double best_before = s.pos.best_val_loss;
    s.validate(epoch);
    const bool improved = s.pos.last_val_loss < best_before;
    const bool last_epoch = epoch + 1 == train.epochs;
    if (improved) s.checkpoint("best");
    if (!last_epoch && s.config.checkpoint.every_epochs > 0 && (epoch + 1) % s.config.checkpoint.every_epochs == 0) {
      char name[32];
      std::snprintf(name, sizeof name, "epoch-%04lld", static_cast<long long>(epoch + 1));
      s.checkpoint(name);
      if (s.isRankZero()) s.prunePeriodic();
    }
    if (train.max_steps > 0 && s.pos.global_step >= train.max_steps) {
      return s.finish(StopReason::kMaxSteps, false);  // this epoch's validation is the last one
    }
  }
  return s.finish(StopReason::kCompleted, false);
}

}  // namespace cog::worker
