#include "coordinator/sweep/pbt_searcher.hpp"

#include <algorithm>
#include <cmath>

#include "common/error.hpp"

namespace cog::coord::sweep {

Point explorePoint(const SearchSpace& space, const Point& from, const PbtConfig& config,
                   RandomStream& stream) {
  space.checkPoint(from);
  Point out = from;
  for (size_t i = 0; i < space.size(); ++i) {
    const Param& p = space.params()[i];
    if (stream.uniform() < config.resample_probability) {
      out[i] = space.sampleParam(i, stream);
      continue;
    }
    const double factor = config.factors[stream.index(config.factors.size())];
    if (p.kind == ParamKind::choice) {
      out[i] = p.clamp(from[i] + (factor < 1 ? -1 : factor > 1 ? 1 : 0));
    } else {
      out[i] = p.clamp(from[i] * factor);
    }
  }
  return out;
}

PbtSearcher::PbtSearcher(SearchSpace space, MetricGoal goal, SweepBudget budget, PbtConfig config,
                         uint64_t seed)
    : state_(std::move(space), std::move(goal), budget, seed), config_(std::move(config)) {}

std::vector<Decision> PbtSearcher::suggest(int free_slots) {
  std::vector<Decision> out;
  while (free_slots-- > 0 && state_.canStartMore()) {
    Point point = state_.space().sample(state_.stream());
    out.push_back(state_.start(
        std::move(point), std::min(config_.perturbation_interval, state_.budget().max_per_trial),
        "random draw for the population"));
    last_check_.push_back(0);
  }
  return out;
}

Decision PbtSearcher::exploitOrProceed(TrialRecord& trial) {
  std::vector<const TrialRecord*> ranked;
  for (const auto& r : state_.table().records()) {
    if (r.status == TrialStatus::running && r.metric) ranked.push_back(&r);
  }
  std::sort(ranked.begin(), ranked.end(), [this](const TrialRecord* a, const TrialRecord* b) {
    const double sa = state_.score(*a);
    const double sb = state_.score(*b);
    return sa != sb ? sa < sb : a->id < b->id;
  });
  const size_t n = ranked.size();
  // ceil of n * quantile without 4 * 0.25 rounding up to 2 through floating-point noise.
  const auto share =
      static_cast<size_t>(std::ceil(static_cast<double>(n) * config_.quantile - 1e-9));
  const size_t m = std::min(share, n / 2);
  const size_t position =
      static_cast<size_t>(std::find_if(ranked.begin(), ranked.end(),
                                       [&](const TrialRecord* r) { return r->id == trial.id; }) -
                          ranked.begin());
  const std::string rank = "rank " + std::to_string(position + 1) + " of " + std::to_string(n);

  Decision d;
  d.trial = trial.id;
  d.kind = DecisionKind::proceed;
  d.until_resource =
      std::min(trial.resource + config_.perturbation_interval, state_.budget().max_per_trial);
  if (position < n - m) {
    d.reason = rank + ": not in the bottom " + std::to_string(m) + ", goes on";
    return d;
  }
  std::vector<const TrialRecord*> sources;
  for (size_t i = 0; i < m; ++i) {
    const TrialRecord* top = ranked[i];
    if (top->checkpoint_resource >= 0 && top->checkpoint_healthy) sources.push_back(top);
  }
  if (sources.empty()) {
    d.reason = rank + ": in the bottom " + std::to_string(m) +
               ", but no top trial has a healthy checkpoint: goes on";
    return d;
  }
  const TrialRecord source = *sources[state_.stream().index(sources.size())];
  trial.point = explorePoint(state_.space(), source.point, config_, state_.stream());
  trial.resource = source.checkpoint_resource;
  trial.metric = source.metric;
  // Its copy of the source's checkpoint is the source's file: it is nobody's source until it
  // saves one of its own.
  trial.checkpoint_resource = -1;
  trial.checkpoint_healthy = false;
  trial.exploited_from = source.id;
  trial.exploits += 1;
  last_check_[static_cast<size_t>(trial.id)] = source.checkpoint_resource;

  d.kind = DecisionKind::exploit;
  d.point = trial.point;
  d.source = source.id;
  d.from_resource = source.checkpoint_resource;
  d.until_resource = std::min(source.checkpoint_resource + config_.perturbation_interval,
                              state_.budget().max_per_trial);
  d.reason = rank + ": in the bottom " + std::to_string(m) + ", copies trial " +
             std::to_string(source.id) + "'s checkpoint at " +
             std::to_string(source.checkpoint_resource) + " and explores";
  return d;
}

Decision PbtSearcher::onReport(const TrialReport& report) {
  if (auto screened = state_.screen(report)) return *screened;
  TrialRecord& trial = state_.table().at(report.trial);
  int64_t& last = last_check_.at(static_cast<size_t>(trial.id));
  if (report.resource >= state_.budget().max_per_trial ||
      report.resource - last < config_.perturbation_interval) {
    const bool at_end = report.resource >= state_.budget().max_per_trial;
    return proceed(trial.id, at_end ? "at the end" : "not due for a perturbation check",
                   std::min(last + config_.perturbation_interval, state_.budget().max_per_trial));
  }
  last = report.resource;
  return exploitOrProceed(trial);
}

void PbtSearcher::onCheckpoint(TrialId trial, int64_t resource, bool healthy) {
  state_.recordCheckpoint(trial, resource, healthy);
}

void PbtSearcher::onEnded(TrialId trial, TrialEnd end) { state_.recordEnd(trial, end); }

nlohmann::json PbtSearcher::saveState() const {
  nlohmann::json state = state_.save(kind());
  state["last_check"] = last_check_;
  return state;
}

void PbtSearcher::restoreState(const nlohmann::json& state) {
  SearchState::checkHeader(state, kind());
  std::vector<int64_t> last_check;
  try {
    last_check = state.at("last_check").get<std::vector<int64_t>>();
    if (last_check.size() != state.at("trials").size()) {
      throw DataError("sweep state: PBT last_check has " + std::to_string(last_check.size()) +
                      " entries for " + std::to_string(state.at("trials").size()) + " trials");
    }
  } catch (const nlohmann::json::exception& e) {
    throw DataError(std::string("sweep state: malformed PBT state: ") + e.what());
  }
  state_.restore(state, kind());
  last_check_ = std::move(last_check);
}

}  // namespace cog::coord::sweep
