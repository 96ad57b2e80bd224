#pragma once
// The training loop of one rank. Reads top to bottom like llm.c's: next batch -> forward ->
// backward -> clip -> schedule -> step -> report; validation and checkpoints at epoch ends;
// a final validation and checkpoint however the run stops.
#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>

#include "comms/collective.hpp"
#include "common/error.hpp"
#include "worker/config/worker_config.hpp"
#include "worker/report/reporter.hpp"
#include "worker/train_device.hpp"
#include "worker/training_checkpoint.hpp"

namespace cog::worker {

// What a coordinator asked for since the last step boundary (comms/wire Command).
struct ExternalCommands {
  bool stop = false;
  bool checkpoint_now = false;
};

struct RunContext {
  std::filesystem::path run_dir;  // checkpoints/ and metrics.jsonl live here
  bool resume = false;            // continue from the newest checkpoint in run_dir
  // Start from this checkpoint (weights, optimizer, data position) when run_dir has none
  // of its own: a coordinator's restart or rollback puts each attempt in a fresh run dir.
  std::filesystem::path init_from;
  // Data parallelism: every rank runs a Trainer; gradients are averaged through this
  // collective. Null means a single process (world of one). Not owned.
  comms::Collective* collective = nullptr;
  // Device and precision from resolveTrainDevice(config, local rank); the collective must
  // have been made for the same device. Default: CPU, fp32.
  TrainDevice device;
  // Set asynchronously (SIGTERM from a launcher, Ctrl-C): the trainer finishes the step,
  // checkpoints `final` and returns. Owned by the entry point.
  const std::atomic<bool>* stop_requested = nullptr;
  // Rank 0 under a coordinator: polled at every step boundary; the ranks then agree on the
  // answer in the step's small allreduce, so a command reaches all of them at the same step.
  std::function<ExternalCommands()> poll_commands;
};

enum class StopReason { kCompleted, kMaxSteps, kSignal, kStopCommand, kAlreadyFinished };
const char* stopReasonName(StopReason reason);
// The wire's name for the same end (what the worker reports to the coordinator).
wire::RunEnd runEndOf(StopReason reason);

struct TrainResult {
  StopReason reason = StopReason::kCompleted;
  TrainerPosition position;
  double final_exact_match = 0;  // of the last validation; its loss is position.last_val_loss
  std::filesystem::path final_checkpoint;
};

// The warmup a run of planned_steps uses: schedule.warmup_steps when shorter than the run,
// else a tenth of the run (a short trial with --set train.max_steps=40 of a config warming up
// over 100 steps is then warned about, not refused).
int64_t scaledWarmup(int64_t warmup_steps, int64_t planned_steps);

// "val_loss 0.4087, best 0.4087, exact_match 0.992", or "not validated yet" for a run stopped
// (SIGTERM) before its first validation, rather than "val_loss nan, best inf".
std::string describeValidation(const TrainResult& result);

// Thrown when faults.exit_at_step fires: the entry point exits with kExitInjectedFault
// without any checkpoint, as a crash would.
class InjectedFault : public Error {
 public:
  using Error::Error;
};

class Trainer {
 public:
  Trainer(const WorkerConfig& config, const RunContext& context, Reporter& reporter);
  ~Trainer();
  // Where training stands (the last completed step), also after run() threw.
  const TrainerPosition& position() const;
  TrainResult run();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace cog::worker
