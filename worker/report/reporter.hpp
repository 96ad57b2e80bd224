#pragma once
// Where a training rank's reports go. The trainer only sees this interface; backends sit
// beside it: the console, RUN/metrics.jsonl, and (from the coordinator issue on) ZeroMQ.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace cog::worker {

using Scalars = std::vector<std::pair<std::string, double>>;

struct StepReport {
  int64_t step = 0;   // global optimizer steps completed
  int64_t epoch = 0;  // 0-based
  int64_t step_in_epoch = 0;
  int64_t steps_in_epoch = 0;
  double eta_seconds = 0;
  Scalars scalars;    // loss, final_ce, act_bce, gate_entropy, lr_muon, lr_fallback, grad_norm, tokens_per_s, ...
};

struct AnswerSample {
  std::string source;
  std::string prompt;
  std::string generated;
  std::string expected;
  bool correct = false;
};

struct ValidationReport {
  int64_t step = 0;
  int64_t epoch = 0;
  Scalars scalars;     // val_loss, val_ppl, exact_match, distinct_1, distinct_2, top_token_share
  Scalars per_source;  // validation loss per data source
  std::vector<AnswerSample> samples;
};

struct EventReport {
  int64_t step = 0;
  std::string kind;    // checkpoint, stage_change, skipped_step, finished, failed, ...
  std::string detail;  // one human-readable line with the numbers behind it
};

class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual void onStep(const StepReport& report) = 0;
  virtual void onValidation(const ValidationReport& report) = 0;
  virtual void onEvent(const EventReport& report) = 0;
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

 private:
  std::vector<std::unique_ptr<Reporter>> reporters_;
};

double scalarOr(const Scalars& scalars, const std::string& name, double fallback);

}  // namespace cog::worker
