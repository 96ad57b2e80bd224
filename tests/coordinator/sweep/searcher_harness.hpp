#pragma once
// Helpers for driving searchers with synthetic learning curves: a small space, a budget,
// and one-line events.
#include <gtest/gtest.h>

#include <limits>

#include "coordinator/sweep/searcher.hpp"
#include "coordinator/sweep/searcher_config.hpp"

namespace cog::coord::sweep {
// Names instead of bytes in GoogleTest's messages.
inline void PrintTo(DecisionKind kind, std::ostream* os) { *os << toString(kind); }
inline void PrintTo(TrialStatus status, std::ostream* os) { *os << toString(status); }
}  // namespace cog::coord::sweep

namespace cog::coord::sweep::testing {

inline SearchSpace lrSpace() {
  Param lr;
  lr.key = "optim.muon_lr";
  lr.kind = ParamKind::loguniform;
  lr.low = 0.001;
  lr.high = 0.1;
  return SearchSpace({lr});
}

inline SweepBudget budget(int max_trials, int64_t max_per_trial) {
  SweepBudget b;
  b.max_trials = max_trials;
  b.max_concurrent = max_trials;
  b.max_per_trial = max_per_trial;
  return b;
}

inline MetricGoal minimise() { return MetricGoal{"val_loss", MetricMode::min}; }

inline Decision report(Searcher& s, TrialId trial, int64_t resource, double metric) {
  return s.onReport(TrialReport{trial, resource, metric});
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The whole decision, for comparing two searchers' outputs.
inline std::string describe(const Decision& d) {
  std::string point;
  for (double v : d.point) point += std::to_string(v) + ",";
  return std::string(toString(d.kind)) + " t" + std::to_string(d.trial) + " [" + point + "] src " +
         std::to_string(d.source) + " from " + std::to_string(d.from_resource) + " until " +
         std::to_string(d.until_resource) + " (" + d.reason + ")";
}

#define EXPECT_DECISION(decision, expected_kind, expected_trial)                          \
  do {                                                                                    \
    const ::cog::coord::sweep::Decision d_ = (decision); /* a copy: may be a temporary */ \
    EXPECT_EQ(d_.kind, ::cog::coord::sweep::DecisionKind::expected_kind)                  \
        << ::cog::coord::sweep::testing::describe(d_);                                    \
    EXPECT_EQ(d_.trial, expected_trial) << ::cog::coord::sweep::testing::describe(d_);    \
  } while (0)

}  // namespace cog::coord::sweep::testing
