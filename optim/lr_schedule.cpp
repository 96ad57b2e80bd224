#include "optim/lr_schedule.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "common/error.hpp"
#include "optim/mugrokfast.hpp"

namespace cog::optim {
namespace {

template <typename T>
[[noreturn]] void badSchedule(const char* field, const T& value, const std::string& allowed) {
  std::ostringstream os;
  os << "schedule." << field << " = " << value << ": " << allowed;
  throw ConfigError(os.str());
}

}  // namespace

WarmupCosineSchedule::WarmupCosineSchedule(int64_t warmup_steps, int64_t total_steps,
                                           double min_factor)
    : warmupSteps_(warmup_steps), totalSteps_(total_steps), minFactor_(min_factor) {
  if (warmup_steps < 0) badSchedule("warmup_steps", warmup_steps, "must be >= 0");
  if (total_steps <= 0) {
    badSchedule("total_steps", total_steps, "must be > 0 for a warmup_cosine schedule");
  }
  if (total_steps < warmup_steps) {
    badSchedule("total_steps", total_steps,
                "must be >= schedule.warmup_steps (" + std::to_string(warmup_steps) + ")");
  }
  if (!(min_factor >= 0.0 && min_factor <= 1.0)) {
    badSchedule("min_lr_factor", min_factor, "must be in [0, 1]");
  }
}

double WarmupCosineSchedule::factor(int64_t step) const {
  if (step < warmupSteps_) return static_cast<double>(step + 1) / warmupSteps_;
  const int64_t decaySteps = totalSteps_ - warmupSteps_;
  if (decaySteps <= 0) return minFactor_;
  const double progress =
      std::min(1.0, static_cast<double>(step - warmupSteps_) / static_cast<double>(decaySteps));
  const double pi = std::acos(-1.0);
  return minFactor_ + (1.0 - minFactor_) * 0.5 * (1.0 + std::cos(pi * progress));
}

WarmupStableDecaySchedule::WarmupStableDecaySchedule(int64_t warmup_steps, int64_t decay_steps,
                                                     int64_t total_steps, double min_factor)
    : warmupSteps_(warmup_steps), decaySteps_(decay_steps), totalSteps_(total_steps), minFactor_(min_factor) {
  if (warmup_steps < 0) badSchedule("warmup_steps", warmup_steps, "must be >= 0");
  if (total_steps <= 0) {
    badSchedule("total_steps", total_steps, "must be > 0 for a warmup_stable_decay schedule");
  }
  if (decay_steps < 0 || warmup_steps + decay_steps > total_steps) {
    badSchedule("decay_fraction", static_cast<double>(decay_steps) / total_steps,
                "the decay (" + std::to_string(decay_steps) + " steps) and the warmup (" +
                    std::to_string(warmup_steps) + ") must fit in schedule.total_steps (" +
                    std::to_string(total_steps) + ")");
  }
  if (!(min_factor >= 0.0 && min_factor <= 1.0)) {
    badSchedule("min_lr_factor", min_factor, "must be in [0, 1]");
  }
}

double WarmupStableDecaySchedule::factor(int64_t step) const {
  if (step < warmupSteps_) return static_cast<double>(step + 1) / warmupSteps_;
  const int64_t decayFrom = totalSteps_ - decaySteps_;
  if (step < decayFrom) return 1.0;
  if (step >= totalSteps_) return minFactor_;
  const double progress = static_cast<double>(step - decayFrom) / static_cast<double>(decaySteps_);
  return 1.0 - (1.0 - minFactor_) * progress;
}

RestartedWarmup::RestartedWarmup(std::unique_ptr<LrSchedule> inner, int64_t from_step,
                                 int64_t warmup_steps)
    : inner_(std::move(inner)), fromStep_(from_step), warmupSteps_(warmup_steps) {
  if (from_step < 0) badSchedule("warmup_from_step", from_step, "must be >= 0");
  if (warmup_steps < 1) badSchedule("warmup_steps", warmup_steps, "must be >= 1 for a restarted warmup");
}

double RestartedWarmup::factor(int64_t step) const {
  const double base = inner_->factor(step);
  if (step < fromStep_) return base;
  return base * std::min(1.0, static_cast<double>(step - fromStep_ + 1) / warmupSteps_);
}

int64_t warmupRoom(const ScheduleConfig& config) {
  if (config.kind != "warmup_stable_decay") return config.total_steps;
  return config.total_steps - std::llround(config.decay_fraction * static_cast<double>(config.total_steps));
}

std::unique_ptr<LrSchedule> makeLrSchedule(const ScheduleConfig& config) {
  if (config.kind == "constant") return std::make_unique<ConstantSchedule>();
  if (config.kind == "warmup_cosine") {
    return std::make_unique<WarmupCosineSchedule>(config.warmup_steps, config.total_steps,
                                                  config.min_lr_factor);
  }
  if (config.kind == "warmup_stable_decay") {
    if (!(config.decay_fraction >= 0.0 && config.decay_fraction <= 1.0)) {
      badSchedule("decay_fraction", config.decay_fraction, "must be in [0, 1]");
    }
    return std::make_unique<WarmupStableDecaySchedule>(config.warmup_steps,
                                                       config.total_steps - warmupRoom(config), config.total_steps,
                                                       config.min_lr_factor);
  }
  badSchedule("kind", "'" + config.kind + "'",
              "unknown schedule; use constant, warmup_cosine or warmup_stable_decay");
}

void applySchedule(const LrSchedule& schedule, int64_t step, MuGrokfast& optimizer) {
  optimizer.setLrScale(schedule.factor(step));
}

}  // namespace cog::optim
