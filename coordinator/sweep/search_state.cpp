#include "coordinator/sweep/search_state.hpp"

#include <cmath>

#include "common/error.hpp"

namespace cog::coord::sweep {

namespace {
// Bumped when the saved state's layout changes; restore() refuses other versions.
constexpr int kStateVersion = 1;
}  // namespace

const char* toString(ResourceUnit unit) {
  return unit == ResourceUnit::epochs ? "epochs" : "steps";
}

const char* toString(SearcherKind kind) {
  switch (kind) {
    case SearcherKind::grid:
      return "grid";
    case SearcherKind::random:
      return "random";
    case SearcherKind::asha:
      return "asha";
    case SearcherKind::pbt:
      return "pbt";
  }
  return "?";
}

const char* toString(DecisionKind kind) {
  switch (kind) {
    case DecisionKind::start:
      return "start";
    case DecisionKind::promote:
      return "promote";
    case DecisionKind::proceed:
      return "proceed";
    case DecisionKind::pause:
      return "pause";
    case DecisionKind::stop:
      return "stop";
    case DecisionKind::exploit:
      return "exploit";
  }
  return "?";
}

SearchState::SearchState(SearchSpace space, MetricGoal goal, SweepBudget budget, uint64_t seed)
    : space_(std::move(space)), goal_(std::move(goal)), budget_(budget), stream_(seed) {}

bool SearchState::canStartMore() const {
  return budget_.max_trials <= 0 || table_.size() < static_cast<size_t>(budget_.max_trials);
}

Decision SearchState::start(Point point, int64_t until_resource, std::string reason) {
  Decision d;
  d.kind = DecisionKind::start;
  d.point = point;
  d.trial = table_.add(std::move(point));
  d.until_resource = until_resource;
  d.reason = std::move(reason);
  return d;
}

Decision repeatStatus(const TrialRecord& record, const std::string& why) {
  Decision d;
  d.trial = record.id;
  d.from_resource = record.resource;
  switch (record.status) {
    case TrialStatus::paused:
      d.kind = DecisionKind::pause;
      break;
    case TrialStatus::completed:
      d.kind = DecisionKind::proceed;
      break;
    default:
      d.kind = DecisionKind::stop;
      break;
  }
  d.reason = why;
  return d;
}

Decision proceed(TrialId trial, std::string reason, int64_t until_resource) {
  Decision d;
  d.kind = DecisionKind::proceed;
  d.trial = trial;
  d.until_resource = until_resource;
  d.reason = std::move(reason);
  return d;
}

std::optional<Decision> SearchState::screen(const TrialReport& report) {
  TrialRecord& record = table_.at(report.trial);
  if (record.status != TrialStatus::running) {
    return repeatStatus(record, std::string("late report at ") + std::to_string(report.resource) +
                                    " ignored: the trial is " + toString(record.status));
  }
  if (!std::isfinite(report.metric)) {
    record.status = TrialStatus::non_finite;
    record.resource = report.resource;
    Decision d;
    d.kind = DecisionKind::stop;
    d.trial = report.trial;
    d.reason = goal_.name + " is non-finite at " + std::to_string(report.resource) + " " +
               toString(budget_.unit) + ": stopped, left out of every ranking";
    return d;
  }
  record.resource = report.resource;
  record.metric = report.metric;
  return std::nullopt;
}

void SearchState::recordCheckpoint(TrialId trial, int64_t resource, bool healthy) {
  TrialRecord& record = table_.at(trial);
  // Checkpoints arrive in order per run; after an exploit the copied one may be newer.
  if (resource < record.checkpoint_resource) return;
  record.checkpoint_resource = resource;
  record.checkpoint_healthy = healthy;
}

void SearchState::recordEnd(TrialId trial, TrialEnd end) {
  TrialRecord& record = table_.at(trial);
  if (record.status == TrialStatus::running) {
    record.status = end == TrialEnd::completed ? TrialStatus::completed : TrialStatus::failed;
  } else if (record.status == TrialStatus::paused && end == TrialEnd::failed) {
    record.status = TrialStatus::failed;  // its pause checkpoint cannot be resumed
  }
}

double SearchState::score(const TrialRecord& record) const {
  if (!record.metric)
    throw InvariantError("sweep: trial " + std::to_string(record.id) + " has no metric to rank");
  return goal_.score(*record.metric);
}

nlohmann::json SearchState::save(SearcherKind kind) const {
  return {{"version", kStateVersion},
          {"searcher", toString(kind)},
          {"stream", stream_.save()},
          {"trials", table_.toJson()}};
}

void SearchState::checkHeader(const nlohmann::json& state, SearcherKind kind) {
  try {
    const int version = state.at("version").get<int>();
    if (version != kStateVersion) {
      throw DataError("sweep state: version " + std::to_string(version) +
                      ", this cogcoord reads version " + std::to_string(kStateVersion));
    }
    const auto saved_kind = state.at("searcher").get<std::string>();
    if (saved_kind != toString(kind)) {
      throw DataError("sweep state: saved by searcher '" + saved_kind + "', the sweep file's is '" +
                      toString(kind) + "'");
    }
  } catch (const nlohmann::json::exception& e) {
    throw DataError(std::string("sweep state: malformed: ") + e.what());
  }
}

void SearchState::restore(const nlohmann::json& state, SearcherKind kind) {
  checkHeader(state, kind);
  try {
    // Read into copies first: a bad state leaves the searcher as it was.
    RandomStream stream = stream_;
    stream.restore(state.at("stream").get<std::string>());
    TrialTable table;
    table.fromJson(state.at("trials"), space_);
    stream_ = stream;
    table_ = std::move(table);
  } catch (const nlohmann::json::exception& e) {
    throw DataError(std::string("sweep state: malformed: ") + e.what());
  }
}

}  // namespace cog::coord::sweep
