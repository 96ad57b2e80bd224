#include "coordinator/sweep/sweep_job_source.hpp"

#include <fstream>
#include <sstream>

#include "common/error.hpp"
#include "coordinator/status_view.hpp"
#include "coordinator/sweep/asha_searcher.hpp"

namespace cog::coord::sweep {
namespace {

JobRequests toRequests(const std::vector<SweepCommand>& commands) {
  JobRequests out;
  for (const auto& command : commands) {
    if (const auto* add = std::get_if<AddTrialJob>(&command)) {
      out.push_back(AddJobRequest{add->spec, add->reason});
    } else if (const auto* stop = std::get_if<StopTrialJob>(&command)) {
      out.push_back(StopJobRequest{stop->job, (stop->pause ? "pause: " : "stop: ") + stop->reason});
    } else if (const auto* relaunch = std::get_if<RelaunchTrialJob>(&command)) {
      out.push_back(RelaunchJobRequest{relaunch->job, relaunch->checkpoint, relaunch->overrides,
                                       relaunch->reason});
    }
  }
  return out;
}

}  // namespace

ExperimentConfig sweepExperiment(const SweepConfig& config) {
  ExperimentConfig e;
  e.source = config.source;
  e.yaml = config.yaml;
  e.name = config.name;
  e.slots = config.slots;
  e.launcher = config.launcher;
  e.coordinator = config.coordinator;
  e.policies = config.policies;
  return e;
}

SweepJobSource::SweepJobSource(SweepConfig config) : driver_(std::move(config)) {}

JobRequests SweepJobSource::onFreeSlots(int free_slots) {
  return toRequests(driver_.onFreeSlots(free_slots));
}

JobRequests SweepJobSource::onValidation(const ValidationRow& row) {
  return toRequests(driver_.onValidation(row));
}

JobRequests SweepJobSource::onResumed(const std::vector<JobRow>& jobs) {
  return toRequests(driver_.onResumed(jobs));
}

std::string SweepJobSource::restView() const {
  const SweepConfig& c = driver_.config();
  auto models = nlohmann::ordered_json::array();
  for (size_t m = 0; m < c.models.size(); ++m) {
    const auto ranked = driver_.ranking(m);
    auto trials = nlohmann::ordered_json::array();
    for (const auto& t : ranked) {
      const auto& record = driver_.searcher(m).trials().at(t.trial);
      nlohmann::ordered_json hyperparameters = nlohmann::ordered_json::object();
      for (size_t k = 0; k < c.space.size(); ++k)
        hyperparameters[c.space.params()[k].key] = c.space.valueText(k, record.point[k]);
      nlohmann::ordered_json row = {{"trial", t.trial},
                                    {"job", t.job},
                                    {"status", toString(t.status)},
                                    {"resource", t.resource},
                                    {"rung", record.rung}};
      row["metric"] =
          t.metric ? nlohmann::ordered_json(*t.metric) : nlohmann::ordered_json(nullptr);
      row["hyperparameters"] = hyperparameters;
      row["exploited_from"] = record.exploited_from;
      trials.push_back(std::move(row));
    }
    nlohmann::ordered_json model = {
        {"name", c.models[m].name}, {"config", c.models[m].config}, {"trials", trials}};
    if (const auto* asha = dynamic_cast<const AshaSearcher*>(&driver_.searcher(m))) {
      auto rungs = nlohmann::ordered_json::array();
      for (const auto& rung : asha->rungs()) {
        rungs.push_back({{"milestone", rung.milestone},
                         {"results", rung.entries.size()},
                         {"promoted", rung.promoted}});
      }
      model["rungs"] = rungs;
    }
    if (!ranked.empty() && ranked.front().metric) {
      model["best"] = {{"job", ranked.front().job},
                       {"metric", *ranked.front().metric},
                       {"resource", ranked.front().resource},
                       {"set", SweepDriver::setLine(ranked.front())}};
    } else {
      model["best"] = nullptr;
    }
    models.push_back(std::move(model));
  }
  const nlohmann::ordered_json view = {{"id", c.name},
                                       {"searcher", toString(c.searcher.kind)},
                                       {"metric", c.metric.name},
                                       {"mode", c.metric.mode == MetricMode::min ? "min" : "max"},
                                       {"unit", toString(c.budget.unit)},
                                       {"max_trials", c.budget.max_trials},
                                       {"models", models}};
  return view.dump();
}

std::string SweepJobSource::statusTable() const {
  const SweepConfig& c = driver_.config();
  std::ostringstream out;
  for (size_t m = 0; m < c.models.size(); ++m) {
    const auto ranked = driver_.ranking(m);
    out << "sweep " << c.name << "/" << c.models[m].name << " (" << toString(c.searcher.kind)
        << "): " << ranked.size() << " of " << c.budget.max_trials << " trials started\n";
    for (const auto& t : ranked) {
      const int rung = driver_.searcher(m).trials().at(t.trial).rung;
      out << "  " << t.job << "  " << toString(t.status) << "  " << t.resource << " "
          << toString(c.budget.unit);
      if (c.searcher.kind == SearcherKind::asha)
        out << "  rung " << (rung < 0 ? std::string("-") : std::to_string(rung));
      out << "  " << c.metric.name << " " << (t.metric ? formatValue(*t.metric) : std::string("-"));
      for (size_t k = t.overrides.size() - c.space.size(); k < t.overrides.size(); ++k)
        out << "  " << t.overrides[k];
      out << "\n";
    }
  }
  return out.str();
}

void SweepJobSource::restoreState(const std::string& json) {
  const auto state = nlohmann::json::parse(json, nullptr, false);
  if (state.is_discarded()) throw DataError("sweep state: not valid JSON");
  driver_.restoreState(state);
}

std::string SweepJobSource::finish(const std::filesystem::path& state_dir) {
  const SweepConfig& c = driver_.config();
  std::ostringstream out;
  for (size_t m = 0; m < c.models.size(); ++m) {
    const auto ranked = driver_.ranking(m);
    out << "sweep " << c.name << " (" << toString(c.searcher.kind) << ", " << c.metric.name << " "
        << (c.metric.mode == MetricMode::min ? "min" : "max") << "), model " << c.models[m].name
        << ": " << ranked.size() << " trials\n";
    for (size_t i = 0; i < ranked.size() && i < 5; ++i) {
      const auto& t = ranked[i];
      out << "  " << (i + 1) << ". " << t.job << "  " << toString(t.status) << "  " << t.resource
          << " " << toString(c.budget.unit) << "  " << c.metric.name << " "
          << (t.metric ? formatValue(*t.metric) : std::string("-"));
      // The hyperparameters are the last space.size() overrides.
      for (size_t k = t.overrides.size() - c.space.size(); k < t.overrides.size(); ++k)
        out << "  " << t.overrides[k];
      out << "\n";
    }
    if (ranked.empty() || !ranked.front().metric) {
      out << "  no trial reported " << c.metric.name << "\n";
      continue;
    }
    const auto file = state_dir / (c.models.size() == 1 ? std::string("best.yaml")
                                                        : "best-" + c.models[m].name + ".yaml");
    std::ofstream yaml(file);
    yaml << driver_.bestYaml(m);
    if (!yaml) throw Error(file.string() + ": cannot write the best trial's config");
    out << "  best: cogworker train --config " << c.models[m].config << " "
        << SweepDriver::setLine(ranked.front()) << "\n  its whole config: " << file.string()
        << "\n";
  }
  return out.str();
}

}  // namespace cog::coord::sweep
