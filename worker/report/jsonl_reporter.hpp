#pragma once
#include <fstream>
#include <string>

#include "worker/report/reporter.hpp"

namespace cog::worker {

// Appends every report as one JSON object per line to RUN/metrics.jsonl, flushed per line so
// a crash loses at most the line being written. A resumed run appends to the same file.
class JsonlReporter : public Reporter {
 public:
  explicit JsonlReporter(const std::string& path);
  void onStep(const StepReport& report) override;
  void onValidation(const ValidationReport& report) override;
  void onEvent(const EventReport& report) override;

 private:
  std::ofstream out_;
};

}  // namespace cog::worker
