#pragma once
// Reports to a coordinator over ZeroMQ (comms/wire): rank 0's reports as wire messages, and the
// coordinator's Commands back. Posting never blocks training: the link queues (bounded) and sends
// from its own thread; when the coordinator is away the run goes on and RUN/metrics.jsonl keeps the
// full record.
#include <chrono>
#include <memory>

#include "comms/wire/worker_link.hpp"
#include "worker/report/reporter.hpp"
#include "worker/trainer.hpp"

namespace cog::worker {

class WireReporter final : public Reporter {
 public:
  explicit WireReporter(std::unique_ptr<wire::WorkerLink> link);
  ~WireReporter() override;

  void onStep(const StepReport& report) override;
  void onValidation(const ValidationReport& report) override;
  void onEvent(const EventReport& report) override;
  void onCheckpoint(const CheckpointReport& report) override;
  void onFinished(const FinishReport& report) override;
  void onProgress(int64_t step) override;

  // Commands received since the last call (called at step boundaries by the trainer).
  ExternalCommands pollCommands();
  // Sends what is queued (the final "finished" event) within `timeout`, then closes.
  void close(std::chrono::milliseconds timeout);

 private:
  std::unique_ptr<wire::WorkerLink> link_;
  bool closed_ = false;
};

}  // namespace cog::worker
