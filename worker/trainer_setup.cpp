// Building a run: tokenizer and data, model and optimizer, the resume, data parallelism and
// the learning-rate schedule, in that order (Trainer::State::prepare).
#include "model/tokenizer/tokenizer_factory.hpp"
#include "worker/checkpoint/checkpoint_recovery.hpp"
#include "worker/named_parameters.hpp"
#include "worker/trainer_state.hpp"

namespace cog::worker {

int64_t scaledWarmup(int64_t warmup_steps, int64_t planned_steps) {
  if (warmup_steps < planned_steps) return warmup_steps;
  // A tenth of the run, the share warmup usually takes: the run still warms up and then
  // spends most of its steps at and after the peak lr.
  return std::max<int64_t>(planned_steps / 10, planned_steps > 1 ? 1 : 0);
}

void Trainer::State::prepare() {
  if (config.train.device == "cuda" && !device().is_cuda()) {
    throw InvariantError("train.device = cuda, but the trainer was given " + device().str() +
                         ": resolve RunContext::device with resolveTrainDevice() at the entry point");
  }
  loadData();
  buildModelAndOptimizer();
  resumeIfAsked();
  pos.global_batch = globalBatch();
  startDataParallel();
  planned_steps = planSteps();
  buildSchedule();
}

void Trainer::State::loadData() {
  tokenizer = makeTokenizer(config.tokenizer);
  if (tokenizer->vocabSize() > config.model.vocab_size) {
    throw ConfigError(config.source + ": model.vocab_size = " + std::to_string(config.model.vocab_size) +
                      " is smaller than the " + tokenizer->name() + " tokenizer's " +
                      std::to_string(tokenizer->vocabSize()) + " ids");
  }
  auto warn = [this](const std::string& message) { event("data_warning", message); };
  dataset = std::make_unique<data::DataSet>(config.data, *tokenizer, config.train.seq_len, warn);
  if (isRankZero()) {
    for (const auto& stats : dataset->sourceStats()) event("data", data::formatSourceStats(stats));
  }
}

void Trainer::State::buildModelAndOptimizer() {
  if (isRankZero() && (device().is_cuda() || !ctx.device.note.empty())) {
    const std::string& note = ctx.device.note;
    event("device", ctx.device.describe() + (note.empty() ? "" : ": " + note));
  }
  net = model::makeCognateModel(config.model);  // seeds itself from model.seed (= train.seed)
  // Same weights on every rank (rank 0's are broadcast anyway), then each rank its own
  // dropout stream; rank 0 continues the model.seed stream.
  if (rank() > 0) seedDropoutStreams(config.model.seed, rank(), 0);
  // Initialised on the CPU on every device, so one seed gives the same weights anywhere;
  // moved before the optimizer sees the parameters, so its state is created beside them.
  if (!device().is_cpu()) net->to(device());
  optimizer = std::make_unique<optim::MuGrokfast>(namedParameters(*net), config.optim);
  params = net->parameters();
}

// --resume continues from the run dir's newest checkpoint; a coordinator's restart or
// rollback starts a fresh run dir from RunContext::init_from.
void Trainer::State::resumeIfAsked() {
  std::filesystem::create_directories(checkpointRoot());
  if (isRankZero()) {
    checkpoint::recoverInterrupted(checkpointRoot());
    checkpoint::removeStaleTemporaries(checkpointRoot());
  }
  std::optional<std::filesystem::path> start;
  if (ctx.resume) {
    start = newestCheckpoint(checkpointRoot());
    if (!start && ctx.init_from.empty()) event("resume", "no checkpoint in " + checkpointRoot().string() + ": starting fresh");
  }
  const bool from_elsewhere = !start && !ctx.init_from.empty();
  if (from_elsewhere) start = ctx.init_from;
  if (!start) return;
  const RankRngStates saved_rng = loadTrainingCheckpoint(*start, *net, optimizer.get());
  adoptPosition(readCheckpointContents(*start).position);
  adoptRngStreams(saved_rng);
  // A rollback may start from the checkpoint an old attempt saved as it stopped ("final").
  if (from_elsewhere) pos.finished = false;
  event("resume", "from " + start->string() + " at epoch " + std::to_string(pos.epoch + 1) + ", step " +
                      std::to_string(pos.step_in_epoch) + " of the epoch (global batch " +
                      std::to_string(globalBatch()) + ")");
}

// A checkpoint saved at another world size counts step_in_epoch in other global batches:
// convert through chunks consumed, rounding up so no chunk is trained on twice.
void Trainer::State::adoptPosition(const TrainerPosition& saved) {
  pos = saved;
  const int64_t now = globalBatch();
  if (saved.global_batch > 0 && saved.global_batch != now && saved.step_in_epoch > 0) {
    const int64_t chunks = saved.step_in_epoch * saved.global_batch;
    pos.step_in_epoch = (chunks + now - 1) / now;
    event("resume_rescaled", "global batch " + std::to_string(saved.global_batch) + " -> " + std::to_string(now) +
                                 ": " + std::to_string(chunks) + " chunks of epoch " + std::to_string(pos.epoch + 1) +
                                 " done, continuing at its step " + std::to_string(pos.step_in_epoch));
  }
}

// Each rank continues its own saved dropout stream when the checkpoint was saved at this world
// size (an exact resume). At another world size the saved streams do not map onto the ranks:
// rank 0 continues rank 0's, the others draw fresh streams seeded from the seed, their rank
// and the step (not the run's first seeds again, which would repeat the first masks).
void Trainer::State::adoptRngStreams(const RankRngStates& saved) {
  if (saved.ranks() == world()) {
    restoreRngStates(saved, rank(), device());
    return;
  }
  if (rank() == 0) {
    restoreRngStates(saved, 0, device());
    event("resume_rng", "the checkpoint holds the random streams of " + std::to_string(saved.ranks()) +
                            " rank(s), this job has " + std::to_string(world()) +
                            ": rank 0 continues its stream, the other ranks draw new dropout masks");
  } else {
    seedDropoutStreams(config.model.seed, rank(), pos.global_step);
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
    event("data_parallel", std::to_string(world()) + " ranks over " + ctx.collective->backendName() + ", " +
                               std::to_string(bucketer->layout().size()) + " gradient buckets for " +
                               std::to_string(params.size()) + " parameters" +
                               (config.optim.shard_orthogonalization ? ", Newton-Schulz split over ranks" : ""));
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

// schedule.* over the planned steps (a warmup as long as the run is scaled to it), and a
// coordinator's relaunch adjustments (adjust.*): a restarted warmup at the rollback step.
void Trainer::State::buildSchedule() {
  optim::ScheduleConfig schedule_config = config.schedule;
  if (schedule_config.total_steps == 0) {
    schedule_config.total_steps = planned_steps;
    // A warmup_stable_decay schedule warms up before its decay begins.
    const int64_t before_decay = optim::warmupRoom(schedule_config);
    const bool decays_at_end = before_decay < planned_steps;
    schedule_config.warmup_steps = scaledWarmup(schedule_config.warmup_steps, before_decay);
    if (schedule_config.warmup_steps != config.schedule.warmup_steps && isRankZero()) {
      event("warmup_scaled", "schedule.warmup_steps = " + std::to_string(config.schedule.warmup_steps) +
                                 " is not shorter than the " +
                                 (decays_at_end ? "steps before the decay (" + std::to_string(before_decay) + " of "
                                                : std::string("whole run (")) +
                                 std::to_string(planned_steps) +
                                 " steps from train.epochs / train.max_steps and the data): warming up over " +
                                 std::to_string(schedule_config.warmup_steps) + " steps instead");
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
    event("adjusted", "lr x " + formatNumber(adjust.lr_factor) + " (muon " + formatNumber(config.optim.muon_lr) +
                          ", fallback " + formatNumber(config.optim.fallback_lr) + "), grokfast lambda x " +
                          formatNumber(adjust.grokfast_lambda_factor) +
                          (adjust.warmup_from_step >= 0
                               ? ", warmup restarted at step " + std::to_string(adjust.warmup_from_step)
                               : std::string()));
  }
}

}  // namespace cog::worker
