#pragma once
// Where a training rank's reports go. The trainer only sees this interface; backends sit
// beside it: the console, RUN/metrics.jsonl, and the coordinator over ZeroMQ.
//
// The reports are the wire's own message types (comms/wire/messages.hpp), so what the
// worker logs, what it sends and what the coordinator backfills from the log are one
// description, not three that must be kept in step.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "comms/wire/messages.hpp"

namespace cog::worker {

using Scalars = wire::Scalars;
using StepReport = wire::Metrics;  // loss, grad_norm, lr_muon, tokens_per_s, ... (metric_names.hpp)
using ValidationReport = wire::Validation;  // val_loss, exact_match, distinct_1, ...
using AnswerSample = wire::Sample;
using EventReport = wire::Event;  // for people: stage_change, skipped_step, resume, ...
using CheckpointReport = wire::CheckpointSaved;
using FinishReport = wire::RunFinished;

class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual void onStep(const StepReport& report) = 0;
  virtual void onValidation(const ValidationReport& report) = 0;
  virtual void onEvent(const EventReport& report) = 0;
  // A checkpoint is durable on disk.
  virtual void onCheckpoint(const CheckpointReport& report) = 0;
  // The run is over (the last report of a run).
  virtual void onFinished(const FinishReport& report) = 0;
  // The training thread completed a unit of work (every step, validation batch and
  // checkpoint) at optimizer step `step`. Called far more often than the others: cheap.
  virtual void onProgress(int64_t step) = 0;
};

// Sends every report to each backend in order.
class FanoutReporter : public Reporter {
 public:
  void add(std::unique_ptr<Reporter> reporter) { reporters_.push_back(std::move(reporter)); }
  void onStep(const StepReport& r) override {
    for (auto& x : reporters_) x->onStep(r);
  }
  void onValidation(const ValidationReport& r) override {
    for (auto& x : reporters_) x->onValidation(r);
  }
  void onEvent(const EventReport& r) override {
    for (auto& x : reporters_) x->onEvent(r);
  }
  void onCheckpoint(const CheckpointReport& r) override {
    for (auto& x : reporters_) x->onCheckpoint(r);
  }
  void onFinished(const FinishReport& r) override {
    for (auto& x : reporters_) x->onFinished(r);
  }
  void onProgress(int64_t step) override {
    for (auto& x : reporters_) x->onProgress(step);
  }

 private:
  std::vector<std::unique_ptr<Reporter>> reporters_;
};

double scalarOr(const Scalars& scalars, const std::string& name, double fallback);

}  // namespace cog::worker
