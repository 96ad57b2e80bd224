#pragma once
#include <ostream>

#include "worker/report/reporter.hpp"

namespace cog::worker {

// Human-readable progress: one line per step report, a table per validation.
class ConsoleReporter : public Reporter {
 public:
  explicit ConsoleReporter(std::ostream& out) : out_(out) {}
  void onStep(const StepReport& report) override;
  void onValidation(const ValidationReport& report) override;
  void onEvent(const EventReport& report) override;
  void onCheckpoint(const CheckpointReport& report) override;
  void onFinished(const FinishReport& report) override;
  // The console shows reports, not the heartbeat of work behind them.
  void onProgress(int64_t /*step*/) override {}

 private:
  std::ostream& out_;
};

std::string formatDuration(double seconds);

}  // namespace cog::worker
