#pragma once
// A Reporter that keeps every report, for trainer tests; it can raise a stop flag once a
// given step is reported (as SIGTERM would).
#include <atomic>
#include <string>
#include <vector>

#include "worker/report/reporter.hpp"

namespace cog::worker::testing {

class RecordingReporter : public Reporter {
 public:
  void onStep(const StepReport& r) override {
    steps.push_back(r);
    if (stop_after_step > 0 && r.step == stop_after_step && stop_flag) stop_flag->store(true);
  }
  void onValidation(const ValidationReport& r) override { validations.push_back(r); }
  void onEvent(const EventReport& r) override { events.push_back(r); }
  void onCheckpoint(const CheckpointReport& r) override { checkpoints.push_back(r); }
  void onFinished(const FinishReport& r) override { finishes.push_back(r); }
  void onProgress(int64_t /*step*/) override { ++progress; }

  const EventReport* findEvent(const std::string& kind) const {
    for (const auto& e : events) {
      if (e.kind == kind) return &e;
    }
    return nullptr;
  }
  bool hasEvent(const std::string& kind) const { return findEvent(kind) != nullptr; }

  std::vector<StepReport> steps;
  std::vector<ValidationReport> validations;
  std::vector<EventReport> events;
  std::vector<CheckpointReport> checkpoints;
  std::vector<FinishReport> finishes;
  int64_t progress = 0;
  int64_t stop_after_step = 0;
  std::atomic<bool>* stop_flag = nullptr;
};

}  // namespace cog::worker::testing
