#pragma once
// The trainer's state and its parts, shared by the files that implement them (internal to
// the worker; users see trainer.hpp):
//   trainer_setup.cpp   building the run: tokenizer, data, model, optimizer, resume, data
//                       parallelism, schedule
//   trainer_step.cpp    one optimizer step: batch, forward, backward, reduce, clip, step, report
//   trainer.cpp         the epoch loop, validation, checkpoints and the end of a run
#include <torch/torch.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "comms/bucketer.hpp"
#include "model/cognate_loss.hpp"
#include "model/tokenizer/tokenizer.hpp"
#include "optim/lr_schedule.hpp"
#include "worker/data/data_set.hpp"
#include "worker/rank_rng.hpp"
#include "worker/trainer.hpp"
#include "worker/validator.hpp"

namespace cog::worker {

using TrainerClock = std::chrono::steady_clock;

double secondsSince(TrainerClock::time_point t);
// A number in progress messages: 4 significant digits unless asked otherwise.
std::string formatNumber(double v, int precision = 4);

// Seconds spent in each part of a step (bench/train_throughput reads them): forward + loss;
// backward with the bucket reductions it overlaps; the wait for the last buckets; the rest
// (clip, the agreement allreduce, optimizer, QK-clip).
struct StepTimes {
  double forward = 0;
  double backward = 0;
  double comm_wait = 0;
  double update = 0;
  double step = 0;
};

// The step's outcome every rank agrees on, from one small allreduce.
struct AgreedStep {
  double loss = 0;        // mean over ranks
  bool finite = true;     // no rank saw a non-finite loss or gradient norm
  double ranks_not_finite = 0;
  double final_ce = 0;    // means over ranks of the loss's parts
  double act_bce = 0;
  double gate_entropy = 0;
};

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
  TrainerClock::time_point window_start = TrainerClock::now();
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
  void event(const std::string& kind, const std::string& message) {
    reporter.onEvent({pos.global_step, kind, message});
  }

  // --- setup (trainer_setup.cpp)
  void prepare();
  void loadData();
  void buildModelAndOptimizer();
  void resumeIfAsked();
  void adoptPosition(const TrainerPosition& saved);
  void adoptRngStreams(const RankRngStates& saved);
  void startDataParallel();
  int64_t planSteps() const;
  void buildSchedule();

  // --- collectives every rank calls at the same point (trainer_step.cpp)
  // Sums `values` over ranks (identity in a single process).
  std::vector<double> sumOverRanks(std::vector<double> values);
  struct StepAgreement {
    bool stop = false;            // some rank was asked to stop: all stop before this step
    bool stop_command = false;    // ... by the coordinator (else by a signal)
    bool checkpoint_now = false;  // the coordinator asked for a checkpoint now
    double normalizer = 0;        // scored tokens over all ranks / world (see cognateLoss)
  };
  StepAgreement agreeOnStep(const data::TokenBatch& batch);
  void checkRanksAgree();

  // --- one step (trainer_step.cpp)
  void trainStep(const data::TokenBatch& batch, const data::CurriculumStage& stage, double normalizer);
  model::CognateLoss forwardLoss(const data::TokenBatch& batch, double normalizer);
  void injectStepFaults(model::CognateLoss& loss);
  bool faultApplies() const { return config.faults.rank < 0 || config.faults.rank == rank(); }
  void backward(const model::CognateLoss& loss);
  AgreedStep agreeOnLoss(const model::CognateLoss& loss, double grad_norm);
  void optimizerStep(const AgreedStep& agreed, const data::CurriculumStage& stage, double grad_norm);
  torch::Tensor clipAttentionLogits();
  void advance(const data::TokenBatch& batch, double loss);
  void reportStep(const data::TokenBatch& batch, const AgreedStep& agreed, double grad_norm,
                  const torch::Tensor& clipped_heads, const StepTimes& times);

  // --- epochs, validation, checkpoints, the end (trainer.cpp)
  void validate(int64_t epoch);
  RankRngStates everyRanksRngStates();
  std::filesystem::path checkpoint(const std::string& name);
  void reportCheckpoint(const std::string& name, const std::filesystem::path& dir);
  const data::CurriculumStage& beginEpoch(int64_t epoch);
  void endEpoch(int64_t epoch);
  TrainResult finish(StopReason reason, bool validate_now);
};

}  // namespace cog::worker
