#pragma once
#include <fstream>
#include <string>

#include "worker/report/reporter.hpp"

namespace cog::worker {

// Appends every report to RUN/metrics.jsonl through the wire's JSON-lines codec
// (comms/wire/jsonl_codec.hpp), one message a line, flushed per line so a crash loses at
// most the line being written. A resumed run appends to the same file.
class JsonlReporter : public Reporter {
 public:
  explicit JsonlReporter(const std::string& path);
  void onStep(const StepReport& report) override { write(report); }
  void onValidation(const ValidationReport& report) override { write(report); }
  void onEvent(const EventReport& report) override { write(report); }
  void onCheckpoint(const CheckpointReport& report) override { write(report); }
  void onFinished(const FinishReport& report) override { write(report); }
  // Progress is for liveness, not for the record.
  void onProgress(int64_t /*step*/) override {}

 private:
  void write(const wire::Message& message);

  std::ofstream out_;
};

}  // namespace cog::worker
