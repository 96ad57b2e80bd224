#pragma once
// Diverged when the training loss has risen and stays risen: an EMA of the loss is above
// `ratio` x its own running minimum on W consecutive reports. The DESIGN's post-mortem case:
// loss rose inside epoch 7 after a curriculum stage change and nobody noticed.
//
// Input: loss_window_mean (the mean over every step since the previous report), falling
// back to `loss` (the last step only) when a report lacks it.
//
// Curriculum stages: a stage that lengthens sequences changes what the loss measures (the
// recorded demo run jumps 0.44 -> 2.6 at seq_len 64 -> 96, then recovers over ~14
// reports). Comparing across that boundary would call every stage change a divergence, so
// a change of the reported seq_len restarts the baseline: warm-up, EMA and minimum begin
// again, and a rise *within* the new stage is what is detected. A stage that changes only
// the difficulty is not visible in the metrics and is not treated specially.
#include <limits>

#include "coordinator/policy/policy.hpp"
#include "coordinator/policy/policy_config.hpp"

namespace cog::coord {

class LossRiseGuard : public Policy {
 public:
  explicit LossRiseGuard(const DivergenceConfig& config);
  const char* name() const override { return "loss_rise_guard"; }
  std::optional<Verdict> onMetrics(const MetricRow& row) override;
  std::optional<Verdict> onValidation(const ValidationRow&) override { return std::nullopt; }
  void newAttempt(int64_t start_step) override;

 private:
  void restartBaseline();

  double alpha_;
  int warmup_reports_;
  double ratio_;
  int rise_reports_;

  std::optional<double> seq_len_;  // of the previous report, to see stage changes
  std::optional<double> stage_;  // curriculum stage index of the last report
  int seen_ = 0;                   // reports since the baseline (re)started
  std::optional<double> ema_;
  double minimum_ = std::numeric_limits<double>::infinity();
  int64_t minimum_step_ = 0;
  int above_ = 0;  // consecutive reports with ema > ratio x minimum
  int64_t first_above_step_ = 0;
};

}  // namespace cog::coord
