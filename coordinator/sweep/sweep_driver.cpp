#include "coordinator/sweep/sweep_driver.hpp"

#include <algorithm>
#include <cstdio>

#include "common/error.hpp"
#include "common/yaml_fields.hpp"
#include "coordinator/sweep/searcher_factory.hpp"

namespace cog::coord::sweep {
namespace {

constexpr int kDriverStateVersion = 1;

std::optional<double> findMetric(const Scalars& scalars, const std::string& name) {
  for (const auto& [key, value] : scalars) {
    if (key == name) return value;
  }
  return std::nullopt;
}

// Whether the searcher resumes trials from checkpoints (so every rung and perturbation point
// needs one).
bool resumesFromCheckpoints(const SearcherConfig& s) {
  return s.kind == SearcherKind::pbt ||
         (s.kind == SearcherKind::asha && s.asha.mode == AshaMode::promote);
}

}  // namespace

std::string trialJobName(const SweepConfig& config, size_t model, TrialId trial) {
  char id[24];
  std::snprintf(id, sizeof id, "t%03d", trial);
  return config.name + "-" + config.models.at(model).name + "-" + id;
}

SweepDriver::SweepDriver(SweepConfig config) : config_(std::move(config)) {
  for (size_t m = 0; m < config_.models.size(); ++m) {
    Model model;
    model.searcher = makeSearcher(config_, m);
    models_.push_back(std::move(model));
  }
}

std::vector<std::string> SweepDriver::trialOverrides(size_t model, const Point& point) const {
  std::vector<std::string> out;
  if (config_.budget.unit == ResourceUnit::epochs && resumesFromCheckpoints(config_.searcher)) {
    out.push_back("checkpoint.every_epochs=1");
  }
  out.insert(out.end(), config_.overrides.begin(), config_.overrides.end());
  const auto& own = config_.models.at(model).overrides;
  out.insert(out.end(), own.begin(), own.end());
  out.push_back(config_.resourceKey() + "=" + std::to_string(config_.budget.max_per_trial));
  for (auto& o : config_.space.overrides(point)) out.push_back(std::move(o));
  return out;
}

JobSpec SweepDriver::trialJobSpec(size_t model, TrialId trial, const Point& point) const {
  JobSpec spec;
  spec.name = trialJobName(config_, model, trial);
  spec.config = config_.models.at(model).config;
  spec.overrides = trialOverrides(model, point);
  spec.ranks = config_.ranks;
  spec.slots = config_.trial_slots;
  spec.checkpoint_keep = config_.checkpoint_keep;
  return spec;
}

std::vector<JobSpec> SweepDriver::trialJobSpecs() const {
  std::vector<JobSpec> specs;
  for (size_t m = 0; m < models_.size(); ++m) {
    for (const auto& r : models_[m].searcher->trials().records())
      specs.push_back(trialJobSpec(m, r.id, r.point));
  }
  return specs;
}

int SweepDriver::runningTrials() const {
  int running = 0;
  for (const auto& m : models_) {
    running += static_cast<int>(m.searcher->trials().count(TrialStatus::running));
  }
  return running;
}

bool SweepDriver::finished() const { return exhausted_ && runningTrials() == 0; }

std::vector<SweepCommand> SweepDriver::onFreeSlots(int free_slots) {
  int capacity =
      std::min(free_slots / config_.trial_slots, config_.budget.max_concurrent - runningTrials());
  std::vector<SweepCommand> out;
  if (capacity <= 0) return out;
  // One slot at a time, the models taking turns, until every model has nothing to run.
  size_t idle = 0;
  while (capacity > 0 && idle < models_.size()) {
    const size_t m = next_model_;
    next_model_ = (next_model_ + 1) % models_.size();
    const auto decisions = models_[m].searcher->suggest(1);
    if (decisions.empty()) {
      ++idle;
      continue;
    }
    idle = 0;
    for (const auto& d : decisions) carry(m, d, out);
    --capacity;
  }
  exhausted_ = out.empty();
  return out;
}

bool SweepDriver::currentRun(TrialRun& run, int attempt) {
  if (attempt < run.min_attempt) return false;
  run.last_attempt = std::max(run.last_attempt, attempt);
  run.pending.reset();  // the relaunched attempt reports: it was carried out
  return true;
}

std::vector<SweepCommand> SweepDriver::onValidation(const ValidationRow& row) {
  std::vector<SweepCommand> out;
  const auto it = jobs_.find(row.job_id);
  if (it == jobs_.end()) return out;
  const auto [m, t] = it->second;
  exhausted_ = false;
  Model& model = models_[m];
  if (!currentRun(model.runs.at(static_cast<size_t>(t)), row.attempt)) return out;
  // A paused or stopped trial's job may validate once more on its way out (validation.on_stop).
  if (model.searcher->trials().at(t).status != TrialStatus::running) return out;
  const auto metric = findMetric(row.scalars, config_.metric.name);
  if (!metric) {
    std::string names;
    for (const auto& [key, value] : row.scalars) names += (names.empty() ? "" : ", ") + key;
    throw ConfigError(config_.source + ": metric.name = " + config_.metric.name + ": job " +
                      row.job_id + " does not report it (its validation has: " + names + ")");
  }
  const int64_t resource = config_.budget.unit == ResourceUnit::epochs ? row.epoch + 1 : row.step;
  carry(m, model.searcher->onReport(TrialReport{t, resource, *metric}), out);
  return out;
}

std::optional<int64_t> SweepDriver::checkpointResource(const CheckpointRow& row) const {
  if (config_.budget.unit == ResourceUnit::steps) return row.step;
  long long epoch = 0;
  char rest = 0;
  // epoch-NNNN (worker/checkpoint/checkpoint_names.hpp): saved after that many epochs.
  if (std::sscanf(row.name.c_str(), "epoch-%lld%c", &epoch, &rest) == 1) return epoch;
  return std::nullopt;
}

void SweepDriver::onCheckpoint(const CheckpointRow& row) {
  const auto it = jobs_.find(row.job_id);
  if (it == jobs_.end()) return;
  const auto [m, t] = it->second;
  exhausted_ = false;
  TrialRun& run = models_[m].runs.at(static_cast<size_t>(t));
  if (!currentRun(run, row.attempt)) return;
  if (const auto resource = checkpointResource(row)) {
    run.checkpoints[*resource] = row.path;
    models_[m].searcher->onCheckpoint(t, *resource, row.healthy);
  } else if (row.name == "final") {
    run.final_checkpoint = row.path;  // what a stop leaves (a pause with unit steps)
  }
}

void SweepDriver::onJobEnded(const std::string& job, JobState state) {
  const auto it = jobs_.find(job);
  if (it == jobs_.end()) return;
  const auto [m, t] = it->second;
  exhausted_ = false;
  switch (state) {
    case JobState::kFinished:
    case JobState::kEarlyStopped:
    case JobState::kStopped:  // by an operator, or a stop/pause of ours being carried out
      models_[m].searcher->onEnded(t, TrialEnd::completed);
      break;
    case JobState::kFailed:
      models_[m].searcher->onEnded(t, TrialEnd::failed);
      break;
    default:
      break;  // not an end (interrupted: `resume` continues it)
  }
}

std::vector<SweepCommand> SweepDriver::onResumed(const std::vector<JobRow>& jobs) {
  std::vector<SweepCommand> out;
  for (const auto& row : jobs) {
    const auto it = jobs_.find(row.id);
    if (it == jobs_.end()) continue;
    const auto [m, t] = it->second;
    TrialRun& run = models_[m].runs.at(static_cast<size_t>(t));
    if (run.pending) {
      // Asked again whether or not the kill came before it was carried out: the same
      // checkpoint and overrides, so a second start costs time, never the trial's identity.
      // Reports of the attempt `resume` itself started are not the trial's.
      RelaunchTrialJob again = *run.pending;
      again.reason = "resumed: " + again.reason;
      run.min_attempt = std::max(run.min_attempt, row.attempt + 1);
      out.push_back(std::move(again));
      continue;
    }
    if (isEnded(row.state)) continue;
    const TrialStatus status = models_[m].searcher->trials().at(t).status;
    if (status == TrialStatus::running || status == TrialStatus::completed) continue;
    out.push_back(StopTrialJob{
        row.id, status == TrialStatus::paused,
        std::string("resumed: the trial is ") + toString(status) + ", its job was not"});
  }
  return out;
}

std::string SweepDriver::checkpointPath(size_t model, TrialId trial, int64_t resource) const {
  const TrialRun& run = models_.at(model).runs.at(static_cast<size_t>(trial));
  if (const auto it = run.checkpoints.find(resource); it != run.checkpoints.end())
    return it->second;
  if (!run.final_checkpoint.empty()) return run.final_checkpoint;
  throw InvariantError("sweep: job " + trialJobName(config_, model, trial) +
                       " has no checkpoint at " + std::to_string(resource) + " " +
                       toString(config_.budget.unit));
}

void SweepDriver::carry(size_t m, const Decision& d, std::vector<SweepCommand>& out) {
  Model& model = models_[m];
  const std::string job = trialJobName(config_, m, d.trial);
  switch (d.kind) {
    case DecisionKind::start: {
      if (model.runs.size() <= static_cast<size_t>(d.trial))
        model.runs.resize(static_cast<size_t>(d.trial) + 1);
      jobs_[job] = JobRef{m, d.trial};
      out.push_back(AddTrialJob{trialJobSpec(m, d.trial, d.point), d.reason});
      break;
    }
    case DecisionKind::promote: {
      const std::string path = checkpointPath(m, d.trial, d.from_resource);
      TrialRun& run = model.runs.at(static_cast<size_t>(d.trial));
      run.min_attempt = run.last_attempt + 1;
      run.pending = RelaunchTrialJob{
          job, path, trialOverrides(m, model.searcher->trials().at(d.trial).point), d.reason};
      out.push_back(*run.pending);
      break;
    }
    case DecisionKind::exploit: {
      const std::string path = checkpointPath(m, d.source, d.from_resource);
      TrialRun& run = model.runs.at(static_cast<size_t>(d.trial));
      run.min_attempt = run.last_attempt + 1;
      // Its checkpoints so far hold the weights it gives up.
      run.checkpoints.clear();
      run.final_checkpoint.clear();
      run.pending = RelaunchTrialJob{job, path, trialOverrides(m, d.point), d.reason};
      out.push_back(*run.pending);
      break;
    }
    case DecisionKind::pause:
      out.push_back(StopTrialJob{job, true, d.reason});
      break;
    case DecisionKind::stop:
      out.push_back(StopTrialJob{job, false, d.reason});
      break;
    case DecisionKind::proceed:
      break;
  }
}

std::vector<RankedTrial> SweepDriver::ranking(size_t model) const {
  const Searcher& searcher = *models_.at(model).searcher;
  std::vector<RankedTrial> ranked;
  for (const auto& r : searcher.trials().records()) {
    ranked.push_back(RankedTrial{model, r.id, trialJobName(config_, model, r.id), r.status,
                                 r.resource, r.metric, trialOverrides(model, r.point)});
  }
  const MetricGoal& goal = config_.metric;
  std::stable_sort(ranked.begin(), ranked.end(), [&](const RankedTrial& a, const RankedTrial& b) {
    if (a.metric.has_value() != b.metric.has_value()) return a.metric.has_value();
    if (!a.metric) return a.trial < b.trial;
    if (a.resource != b.resource) return a.resource > b.resource;
    const double sa = goal.score(*a.metric);
    const double sb = goal.score(*b.metric);
    return sa != sb ? sa < sb : a.trial < b.trial;
  });
  return ranked;
}

std::string SweepDriver::setLine(const RankedTrial& trial) {
  std::string line;
  for (const auto& o : trial.overrides) line += (line.empty() ? "--set " : " --set ") + o;
  return line;
}

std::string SweepDriver::bestYaml(size_t model) const {
  const auto ranked = ranking(model);
  if (ranked.empty() || !ranked.front().metric) return "";
  return loadYamlWithOverrides(config_.models.at(model).config, ranked.front().overrides)
      .effective_text;
}

nlohmann::json SweepDriver::saveState() const {
  auto models = nlohmann::json::array();
  for (size_t m = 0; m < models_.size(); ++m) {
    auto runs = nlohmann::json::array();
    for (const auto& run : models_[m].runs) {
      nlohmann::json saved = {{"last_attempt", run.last_attempt},
                              {"min_attempt", run.min_attempt},
                              {"checkpoints", run.checkpoints},
                              {"final_checkpoint", run.final_checkpoint}};
      if (run.pending) {
        saved["pending_relaunch"] = {{"checkpoint", run.pending->checkpoint},
                                     {"overrides", run.pending->overrides},
                                     {"reason", run.pending->reason}};
      }
      runs.push_back(std::move(saved));
    }
    models.push_back({{"name", config_.models[m].name},
                      {"searcher", models_[m].searcher->saveState()},
                      {"runs", runs}});
  }
  return {{"version", kDriverStateVersion},
          {"sweep", config_.name},
          {"next_model", next_model_},
          {"models", models}};
}

void SweepDriver::restoreState(const nlohmann::json& state) {
  std::vector<Model> models;
  std::map<std::string, JobRef> jobs;
  size_t next_model = 0;
  try {
    if (state.at("version").get<int>() != kDriverStateVersion) {
      throw DataError("sweep state: version " + state.at("version").dump() +
                      ", this cogcoord reads " + std::to_string(kDriverStateVersion));
    }
    if (state.at("sweep").get<std::string>() != config_.name) {
      throw DataError("sweep state: of sweep '" + state.at("sweep").get<std::string>() +
                      "', not '" + config_.name + "'");
    }
    const auto& saved = state.at("models");
    if (saved.size() != config_.models.size()) {
      throw DataError("sweep state: " + std::to_string(saved.size()) +
                      " models saved, the sweep has " + std::to_string(config_.models.size()));
    }
    next_model = state.at("next_model").get<size_t>() % config_.models.size();
    for (size_t m = 0; m < saved.size(); ++m) {
      if (saved[m].at("name").get<std::string>() != config_.models[m].name) {
        throw DataError("sweep state: model " + std::to_string(m) + " is '" +
                        saved[m].at("name").get<std::string>() + "', the sweep's is '" +
                        config_.models[m].name + "'");
      }
      Model model;
      model.searcher = makeSearcher(config_, m);
      model.searcher->restoreState(saved[m].at("searcher"));
      for (const auto& r : saved[m].at("runs")) {
        TrialRun run;
        run.last_attempt = r.at("last_attempt").get<int>();
        run.min_attempt = r.at("min_attempt").get<int>();
        run.checkpoints = r.at("checkpoints").get<std::map<int64_t, std::string>>();
        run.final_checkpoint = r.at("final_checkpoint").get<std::string>();
        if (const auto p = r.find("pending_relaunch"); p != r.end()) {
          run.pending = RelaunchTrialJob{trialJobName(config_, m, static_cast<TrialId>(model.runs.size())),
                                         p->at("checkpoint").get<std::string>(),
                                         p->at("overrides").get<std::vector<std::string>>(),
                                         p->at("reason").get<std::string>()};
        }
        model.runs.push_back(std::move(run));
      }
      if (model.runs.size() != model.searcher->trials().size()) {
        throw DataError("sweep state: model " + config_.models[m].name + " has " +
                        std::to_string(model.runs.size()) + " runs for " +
                        std::to_string(model.searcher->trials().size()) + " trials");
      }
      for (const auto& r : model.searcher->trials().records())
        jobs[trialJobName(config_, m, r.id)] = JobRef{m, r.id};
      models.push_back(std::move(model));
    }
  } catch (const nlohmann::json::exception& e) {
    throw DataError(std::string("sweep state: malformed: ") + e.what());
  }
  models_ = std::move(models);
  jobs_ = std::move(jobs);
  next_model_ = next_model;
  exhausted_ = false;
}

}  // namespace cog::coord::sweep
