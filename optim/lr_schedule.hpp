#pragma once
// Learning-rate schedules. A schedule only computes a factor; applySchedule hands it to
// the optimizer's setLrScale, which every group's step reads (the original project's
// scheduler wrote a field its optimizer never read; tests/optim/lr_schedule_test.cpp
// measures the real parameter change per group to keep that from coming back).
#include <cstdint>
#include <memory>
#include <string>

namespace cog::optim {

class MuGrokfast;

class LrSchedule {
 public:
  virtual ~LrSchedule() = default;
  // Multiplier of every group's base lr for the optimizer step with 0-based index `step`
  // (the value of MuGrokfast::stepCount() just before that step).
  virtual double factor(int64_t step) const = 0;
};

class ConstantSchedule final : public LrSchedule {
 public:
  double factor(int64_t step) const override { return 1.0; }
};

// Linear warmup over `warmup_steps` steps, (step + 1) / warmup_steps, so the first step is
// small but not wasted at lr 0; then a half cosine from 1 down to `min_factor`
// (= eta_min / base lr) at step `total_steps`, and `min_factor` after that.
class WarmupCosineSchedule final : public LrSchedule {
 public:
  // Throws ConfigError naming the schedule.* key of a bad argument.
  WarmupCosineSchedule(int64_t warmup_steps, int64_t total_steps, double min_factor);
  double factor(int64_t step) const override;

 private:
  int64_t warmupSteps_;
  int64_t totalSteps_;
  double minFactor_;
};

// Warmup-stable-decay ("trapezoidal"): the same linear warmup, then the full rate until the
// last `decay_steps` of `total_steps`, then a linear fall to `min_factor` at `total_steps`,
// held after that. Why beside the cosine: on a fixed budget of steps the cosine spends half
// the run below half the rate; this keeps the rate up for most of the run and still ends
// with the low-rate steps in which a small model settles. (On the demo it taught the carry
// as well as the cosine but recall worse: configs/demo-measurements.md.)
class WarmupStableDecaySchedule final : public LrSchedule {
 public:
  // Throws ConfigError naming the schedule.* key of a bad argument.
  WarmupStableDecaySchedule(int64_t warmup_steps, int64_t decay_steps, int64_t total_steps,
                            double min_factor);
  double factor(int64_t step) const override;

 private:
  int64_t warmupSteps_;
  int64_t decaySteps_;
  int64_t totalSteps_;
  double minFactor_;
};

// Another schedule with a linear warmup restarted at `from_step`: factor(s) =
// inner(s) * min(1, (s - from_step + 1) / warmup_steps) from from_step on, inner(s) before.
// A job relaunched after divergence resumes mid-run with lowered lrs; ramping up again
// keeps its first steps on the restored weights gentle (DESIGN.md "fresh warmup").
class RestartedWarmup final : public LrSchedule {
 public:
  RestartedWarmup(std::unique_ptr<LrSchedule> inner, int64_t from_step, int64_t warmup_steps);
  double factor(int64_t step) const override;

 private:
  std::unique_ptr<LrSchedule> inner_;
  int64_t fromStep_;
  int64_t warmupSteps_;
};

// The `schedule:` section of the experiment config.
struct ScheduleConfig {
  std::string kind = "constant";  // "constant" | "warmup_cosine" | "warmup_stable_decay"
  int64_t warmup_steps = 0;
  int64_t total_steps = 0;
  double min_lr_factor = 0.1;
  // warmup_stable_decay: the share of total_steps spent decaying, at the end.
  double decay_fraction = 0.2;
};

// The steps a warmup must end within: total_steps, less a warmup_stable_decay's decay
// (decay_fraction of total_steps, rounded).
int64_t warmupRoom(const ScheduleConfig& config);

// Throws ConfigError naming schedule.kind (listing the known kinds) or the bad field.
std::unique_ptr<LrSchedule> makeLrSchedule(const ScheduleConfig& config);

// optimizer.setLrScale(schedule.factor(step)): call with optimizer.stepCount() before each
// step (or right after the previous one).
void applySchedule(const LrSchedule& schedule, int64_t step, MuGrokfast& optimizer);

}  // namespace cog::optim
