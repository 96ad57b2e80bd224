#include "coordinator/sweep/asha_searcher.hpp"

#include <algorithm>

#include "common/error.hpp"

namespace cog::coord::sweep {

std::vector<int64_t> ashaMilestones(int64_t grace, int eta, int64_t max_resource) {
  std::vector<int64_t> milestones;
  for (int64_t m = grace; m > 0 && m < max_resource; m *= eta) {
    milestones.push_back(m);
    if (m > max_resource / eta) break;  // the next one is past the end (and may overflow)
  }
  return milestones;
}

AshaSearcher::AshaSearcher(SearchSpace space, MetricGoal goal, SweepBudget budget,
                           AshaConfig config, uint64_t seed)
    : state_(std::move(space), std::move(goal), budget, seed), config_(config) {
  for (int64_t m : ashaMilestones(config.grace, config.eta, budget.max_per_trial)) {
    Rung rung;
    rung.milestone = m;
    rungs_.push_back(std::move(rung));
  }
  if (rungs_.empty()) {
    throw ConfigError("asha searcher: grace " + std::to_string(config.grace) +
                      " leaves no rung below max_per_trial " +
                      std::to_string(budget.max_per_trial));
  }
}

int64_t AshaSearcher::judgedNextAfter(size_t rung) const {
  return rung + 1 < rungs_.size() ? rungs_[rung + 1].milestone : state_.budget().max_per_trial;
}

std::optional<AshaSearcher::Promotion> AshaSearcher::nextPromotion() const {
  for (size_t k = rungs_.size(); k-- > 0;) {
    const Rung& rung = rungs_[k];
    std::vector<RungEntry> ordered = rung.entries;
    std::sort(ordered.begin(), ordered.end(), [](const RungEntry& a, const RungEntry& b) {
      return a.score != b.score ? a.score < b.score : a.seq < b.seq;
    });
    // The paper's cut-off, the first floor(n / eta), grows with the bottom rung. Once the
    // budget allows no new trial the bottom rung stops growing, and a rung holding fewer than
    // eta results would keep its leader paused for good with the budget unspent
    // (bench/sweep_arithmetic, seed 2: the sweep ended with its two best trials paused at 3
    // of 4 epochs). From then on every rung sends on at least its best.
    size_t top = ordered.size() / static_cast<size_t>(config_.eta);
    if (top == 0 && !ordered.empty() && !state_.canStartMore()) top = 1;
    for (size_t i = 0; i < top; ++i) {
      const TrialId id = ordered[i].trial;
      if (!rung.promoted.count(id) && state_.table().at(id).status == TrialStatus::paused)
        return Promotion{id, k};
    }
  }
  return std::nullopt;
}

std::vector<Decision> AshaSearcher::suggest(int free_slots) {
  std::vector<Decision> out;
  while (free_slots-- > 0) {
    if (config_.mode == AshaMode::promote) {
      if (auto next = nextPromotion()) {
        TrialRecord& trial = state_.table().at(next->trial);
        rungs_[next->rung].promoted.insert(trial.id);
        trial.status = TrialStatus::running;
        Decision d;
        d.kind = DecisionKind::promote;
        d.trial = trial.id;
        d.from_resource = trial.resource;
        d.until_resource = judgedNextAfter(next->rung);
        d.reason = "promoted from rung " + std::to_string(next->rung) + ": " +
                   rankText(next->rung, trial.id);
        out.push_back(std::move(d));
        continue;
      }
    }
    if (!state_.canStartMore()) break;
    Point point = state_.space().sample(state_.stream());
    out.push_back(
        state_.start(std::move(point), rungs_[0].milestone, "random draw, judged first at rung 0"));
  }
  return out;
}

std::string AshaSearcher::rankText(size_t rung, TrialId trial) const {
  const auto& entries = rungs_[rung].entries;
  double score = 0;
  for (const auto& e : entries) {
    if (e.trial == trial) score = e.score;
  }
  size_t better = 0;
  for (const auto& e : entries) better += e.score < score ? 1 : 0;
  return "rank " + std::to_string(better + 1) + " of " + std::to_string(entries.size()) + " at " +
         std::to_string(rungs_[rung].milestone) + " " + toString(state_.budget().unit);
}

Decision AshaSearcher::judgeToStop(TrialRecord& trial, size_t rung, double score) {
  const auto& entries = rungs_[rung].entries;
  size_t better = 0;
  for (const auto& e : entries) better += e.score < score ? 1 : 0;
  const size_t keep = std::max<size_t>(1, entries.size() / static_cast<size_t>(config_.eta));
  Decision d;
  d.trial = trial.id;
  if (better + 1 <= keep) {
    d.kind = DecisionKind::proceed;
    d.until_resource = judgedNextAfter(rung);
    d.reason = rankText(rung, trial.id) + ": in the top " + std::to_string(keep) + ", goes on";
  } else {
    trial.status = TrialStatus::stopped;
    d.kind = DecisionKind::stop;
    d.reason = rankText(rung, trial.id) + ": not in the top " + std::to_string(keep) + " (1/" +
               std::to_string(config_.eta) + "), stopped";
  }
  return d;
}

Decision AshaSearcher::judgeToPromote(TrialRecord& trial, size_t rung, int64_t resource) {
  // The trial's slot is free from here; it goes to whoever the algorithm would promote next.
  trial.status = TrialStatus::paused;
  const auto next = nextPromotion();
  Decision d;
  d.trial = trial.id;
  if (next && next->trial == trial.id) {
    rungs_[rung].promoted.insert(trial.id);
    trial.status = TrialStatus::running;
    d.kind = DecisionKind::proceed;
    d.until_resource = judgedNextAfter(rung);
    d.reason = rankText(rung, trial.id) + ": promoted at once, goes on";
    return d;
  }
  d.kind = DecisionKind::pause;
  d.from_resource = resource;
  d.reason = rankText(rung, trial.id) + ": paused with its checkpoint until promoted";
  return d;
}

Decision AshaSearcher::onReport(const TrialReport& report) {
  if (auto screened = state_.screen(report)) return *screened;
  TrialRecord& trial = state_.table().at(report.trial);
  size_t rung = rungs_.size();
  for (size_t k = rungs_.size(); k-- > 0;) {
    if (report.resource >= rungs_[k].milestone) {
      rung = k;
      break;
    }
  }
  if (rung == rungs_.size() || static_cast<int>(rung) <= trial.rung) {
    return proceed(trial.id, "no new rung reached");
  }
  const double score = state_.score(trial);
  rungs_[rung].entries.push_back(RungEntry{trial.id, score, next_seq_++});
  trial.rung = static_cast<int>(rung);
  return config_.mode == AshaMode::stop ? judgeToStop(trial, rung, score)
                                        : judgeToPromote(trial, rung, report.resource);
}

void AshaSearcher::onCheckpoint(TrialId trial, int64_t resource, bool healthy) {
  state_.recordCheckpoint(trial, resource, healthy);
}

void AshaSearcher::onEnded(TrialId trial, TrialEnd end) { state_.recordEnd(trial, end); }

nlohmann::json AshaSearcher::saveState() const {
  nlohmann::json state = state_.save(kind());
  auto rungs = nlohmann::json::array();
  for (const auto& rung : rungs_) {
    auto entries = nlohmann::json::array();
    for (const auto& e : rung.entries)
      entries.push_back({{"trial", e.trial}, {"score", e.score}, {"seq", e.seq}});
    rungs.push_back(
        {{"milestone", rung.milestone}, {"entries", entries}, {"promoted", rung.promoted}});
  }
  state["rungs"] = rungs;
  state["next_seq"] = next_seq_;
  return state;
}

void AshaSearcher::restoreState(const nlohmann::json& state) {
  SearchState::checkHeader(state, kind());
  std::vector<Rung> rungs = rungs_;
  int64_t next_seq = 0;
  try {
    const auto& saved = state.at("rungs");
    if (saved.size() != rungs.size()) {
      throw DataError("sweep state: " + std::to_string(saved.size()) +
                      " ASHA rungs saved, the sweep file gives " + std::to_string(rungs.size()) +
                      " (were grace, eta or max_per_trial changed?)");
    }
    for (size_t k = 0; k < rungs.size(); ++k) {
      if (saved[k].at("milestone").get<int64_t>() != rungs[k].milestone) {
        throw DataError("sweep state: ASHA rung " + std::to_string(k) + " was at " +
                        saved[k].at("milestone").dump() + ", the sweep file puts it at " +
                        std::to_string(rungs[k].milestone));
      }
      rungs[k].entries.clear();
      for (const auto& e : saved[k].at("entries")) {
        rungs[k].entries.push_back(RungEntry{
            e.at("trial").get<TrialId>(), e.at("score").get<double>(), e.at("seq").get<int64_t>()});
      }
      rungs[k].promoted = saved[k].at("promoted").get<std::set<TrialId>>();
    }
    next_seq = state.at("next_seq").get<int64_t>();
  } catch (const nlohmann::json::exception& e) {
    throw DataError(std::string("sweep state: malformed ASHA rungs: ") + e.what());
  }
  state_.restore(state, kind());
  rungs_ = std::move(rungs);
  next_seq_ = next_seq;
}

}  // namespace cog::coord::sweep
