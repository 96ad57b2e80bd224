#include "coordinator/sweep/sweep_config.hpp"

#include <cmath>
#include <filesystem>
#include <set>

#include "common/yaml_fields.hpp"

namespace cog::coord::sweep {
namespace {

namespace fs = std::filesystem;

// A sweep's and a model's names make up trial job names (<sweep>-<model>-t<id>), which name
// folders and URL path segments: the experiment file's job-name rule, with room for the id.
constexpr size_t kMaxNamesLength = 56;
constexpr uint64_t kMaxGridPoints = 100000;

std::string overrideKey(const std::string& assignment) {
  return assignment.substr(0, assignment.find('='));
}

// Fixed overrides must be key=value and must not set what the sweep sets itself.
void checkOverrides(YamlFields& f, const std::string& key,
                    const std::vector<std::string>& overrides, const SearchSpace& space,
                    const std::string& resource_key) {
  for (const auto& o : overrides) {
    if (o.find('=') == std::string::npos) f.fail(key, "'" + o + "': expected key.path=value");
    const std::string k = overrideKey(o);
    if (k == resource_key) {
      f.fail(key, "'" + o + "': " + k + " is set for each trial from budget.max_per_trial");
    }
    for (const auto& p : space.params()) {
      if (p.key == k) f.fail(key, "'" + o + "': " + k + " is in space: the searcher sets it");
    }
  }
}

SweepModel parseModel(YamlFields f, const std::string& base_dir) {
  SweepModel model;
  f.required("name", model.name);
  f.required("config", model.config);
  f.optional("overrides", model.overrides);
  f.rejectUnknownKeys();
  if (!isSafeName(model.name))
    f.fail("name", "'" + model.name + "': must be A-Z a-z 0-9 _ . - and not '.' or '..'");
  model.config = requireWorkerConfig(f, "config", model.config, base_dir);
  return model;
}

void parseBase(YamlFields f, SweepConfig& c, const std::string& base_dir) {
  const bool one = f.has("config");
  const bool several = f.has("models");
  if (one == several)
    f.fail(one ? "models" : "config",
           "give either base.config (one model) or base.models (a list)");
  if (one) {
    SweepModel model;
    f.required("config", model.config);
    model.name = fs::path(model.config).stem().string();
    f.optional("name", model.name);
    model.config = requireWorkerConfig(f, "config", model.config, base_dir);
    if (!isSafeName(model.name))
      f.fail("name", "'" + model.name + "': must be A-Z a-z 0-9 _ . - and not '.' or '..'");
    c.models.push_back(model);
  }
  for (auto& m : f.sectionList("models")) c.models.push_back(parseModel(m, base_dir));
  f.optional("overrides", c.overrides);
  f.optional("ranks", c.ranks);
  f.optional("slots", c.trial_slots);
  if (f.has("checkpoint")) parseCheckpointSection(f.section("checkpoint"), c.checkpoint_keep);
  f.rejectUnknownKeys();
  if (several && c.models.empty()) f.fail("models", "[]: list at least one {name, config}");
  if (c.ranks < 1) f.fail("ranks", std::to_string(c.ranks) + ": must be at least 1");
  if (c.trial_slots < 1) f.fail("slots", std::to_string(c.trial_slots) + ": must be at least 1");
}

void parseMetric(YamlFields f, MetricGoal& m) {
  std::string mode;
  f.required("name", m.name);
  f.required("mode", mode);
  f.rejectUnknownKeys();
  if (m.name.empty()) f.fail("name", "'': name a validation metric, e.g. val_loss or exact_match");
  if (mode == "min") {
    m.mode = MetricMode::min;
  } else if (mode == "max") {
    m.mode = MetricMode::max;
  } else {
    f.fail("mode", mode + ": expected min or max");
  }
}

void parseBudget(YamlFields f, SweepBudget& b) {
  std::string unit = "epochs";
  f.optional("max_trials", b.max_trials);
  f.optional("max_concurrent", b.max_concurrent);
  f.optional("unit", unit);
  f.required("max_per_trial", b.max_per_trial);
  f.rejectUnknownKeys();
  if (unit == "epochs") {
    b.unit = ResourceUnit::epochs;
  } else if (unit == "steps") {
    b.unit = ResourceUnit::steps;
  } else {
    f.fail("unit", unit + ": expected epochs or steps");
  }
  if (b.max_trials < 0)
    f.fail("max_trials", std::to_string(b.max_trials) + ": must be at least 1 (0: a whole grid)");
  if (b.max_concurrent < 1)
    f.fail("max_concurrent", std::to_string(b.max_concurrent) + ": must be at least 1");
  if (b.max_per_trial < 1)
    f.fail("max_per_trial", std::to_string(b.max_per_trial) + ": must be at least 1");
}

void parseAsha(YamlFields& f, AshaConfig& a, const SweepBudget& budget) {
  std::string mode = "stop";
  f.optional("grace", a.grace);
  f.optional("eta", a.eta);
  f.optional("mode", mode);
  if (mode == "stop") {
    a.mode = AshaMode::stop;
  } else if (mode == "promote") {
    a.mode = AshaMode::promote;
  } else {
    f.fail("mode", mode + ": expected stop or promote");
  }
  if (a.eta < 2) f.fail("eta", std::to_string(a.eta) + ": must be at least 2");
  if (a.grace < 1 || a.grace >= budget.max_per_trial) {
    f.fail("grace", std::to_string(a.grace) +
                        ": must be at least 1 and below budget.max_per_trial (" +
                        std::to_string(budget.max_per_trial) + "), or there is no rung");
  }
}

void parsePbt(YamlFields& f, PbtConfig& p, const SweepBudget& budget) {
  f.optional("perturbation_interval", p.perturbation_interval);
  f.optional("quantile", p.quantile);
  f.optional("resample_probability", p.resample_probability);
  f.optional("factors", p.factors);
  if (p.perturbation_interval < 1 || p.perturbation_interval >= budget.max_per_trial) {
    f.fail("perturbation_interval", std::to_string(p.perturbation_interval) +
                                        ": must be at least 1 and below budget.max_per_trial (" +
                                        std::to_string(budget.max_per_trial) + ")");
  }
  if (!(p.quantile > 0 && p.quantile <= 0.5)) {
    f.fail("quantile",
           f.rawValue("quantile") + ": must be in (0, 0.5] (the bottom and top shares)");
  }
  f.requireRange("resample_probability", p.resample_probability, 0, 1);
  if (p.factors.empty()) f.fail("factors", "[]: list at least one factor, e.g. [0.8, 1.2]");
  for (double factor : p.factors) {
    if (!(std::isfinite(factor) && factor > 0))
      f.fail("factors", f.rawValue("factors") + ": factors must be > 0");
  }
  if (budget.max_trials < 2) {
    f.fail("kind", "pbt: budget.max_trials " + std::to_string(budget.max_trials) +
                       " is the population and must be at least 2 (one trial has nobody to copy)");
  }
}

void parseSearcher(YamlFields f, SweepConfig& c) {
  std::string kind;
  f.required("kind", kind);
  if (kind == "grid") {
    c.searcher.kind = SearcherKind::grid;
  } else if (kind == "random") {
    c.searcher.kind = SearcherKind::random;
  } else if (kind == "asha") {
    c.searcher.kind = SearcherKind::asha;
    parseAsha(f, c.searcher.asha, c.budget);
  } else if (kind == "pbt") {
    c.searcher.kind = SearcherKind::pbt;
    parsePbt(f, c.searcher.pbt, c.budget);
  } else {
    f.fail("kind", kind + ": expected grid, random, asha or pbt");
  }
  // Another kind's keys are unknown here ("eta" under kind: pbt).
  f.rejectUnknownKeys();
  if (c.searcher.kind == SearcherKind::grid) {
    for (const auto& p : c.space.params()) {
      if (p.kind == ParamKind::uniform || p.kind == ParamKind::loguniform) {
        f.fail("kind", std::string("grid: space.") + p.key + " is " + toString(p.kind) +
                           "; a grid needs choice, int or qint parameters");
      }
    }
    const uint64_t size = c.space.gridSize();
    // The grid is enumerated up front (GridSearcher); a bigger one is a typo in a bound.
    if (size > kMaxGridPoints) {
      f.fail("kind",
             "grid: the grid has " +
                 (size == UINT64_MAX ? std::string("more than 2^64") : std::to_string(size)) +
                 " points, more than " + std::to_string(kMaxGridPoints) + "; use random or asha");
    }
    if (c.budget.max_trials > 0 && size > static_cast<uint64_t>(c.budget.max_trials)) {
      f.fail("kind", "grid: the grid has " + std::to_string(size) +
                         " points, more than budget.max_trials " +
                         std::to_string(c.budget.max_trials) +
                         " (leave max_trials out to run the whole grid)");
    }
  } else if (c.budget.max_trials < 1) {
    f.fail("kind", kind + ": needs budget.max_trials (at least 1)");
  }
}

SweepConfig parseTree(const YAML::Node& root, const std::string& yaml_text,
                      const std::string& source, const std::string& base_dir) {
  SweepConfig c;
  c.source = source;
  c.yaml = yaml_text;
  YamlFields top(root, "", source);
  top.required("name", c.name);
  top.optional("slots", c.slots);
  if (!top.has("base")) top.fail("base", "missing (required): base.config or base.models");
  parseBase(top.section("base"), c, base_dir);
  if (!top.has("space"))
    top.fail(
        "space",
        "missing (required): the keys to search, e.g. optim.muon_lr: {loguniform: [0.005, 0.05]}");
  const YAML::Node& const_root = root;
  c.space = parseSearchSpace(top.section("space"), const_root["space"]);
  top.optional("seed", c.seed);
  if (!top.has("metric"))
    top.fail("metric", "missing (required): {name: val_loss, mode: min} or another metric");
  parseMetric(top.section("metric"), c.metric);
  if (!top.has("budget"))
    top.fail("budget", "missing (required): {max_trials, max_concurrent, unit, max_per_trial}");
  parseBudget(top.section("budget"), c.budget);
  if (!top.has("searcher"))
    top.fail("searcher", "missing (required): {kind: grid | random | asha | pbt, ...}");
  parseSearcher(top.section("searcher"), c);
  parseLauncherSection(top.section("launcher"), c.launcher);
  parseCoordinatorSection(top.section("coordinator"), c.coordinator, c.slots);
  auto policies = top.section("policies");
  c.policies = parsePolicyConfig(policies);
  top.rejectUnknownKeys();

  if (!isSafeName(c.name))
    top.fail("name", "'" + c.name + "': must be A-Z a-z 0-9 _ . - and not '.' or '..'");
  if (c.slots < 1) top.fail("slots", std::to_string(c.slots) + ": must be at least 1");
  if (c.space.size() == 0) top.fail("space", "{}: list at least one key to search");
  YamlFields base = top.section("base");
  const bool one_model = base.has("config");
  std::set<std::string> names;
  for (size_t i = 0; i < c.models.size(); ++i) {
    const auto& model = c.models[i];
    const std::string where = one_model ? "base" : "base.models[" + std::to_string(i) + "]";
    if (!names.insert(model.name).second)
      top.fail(where + ".name", model.name + ": used by two models");
    if (c.name.size() + model.name.size() > kMaxNamesLength) {
      top.fail(where + ".name", model.name + ": with the sweep's name '" + c.name +
                                    "' longer than " + std::to_string(kMaxNamesLength) +
                                    " characters (trial job names join them)");
    }
  }
  YamlFields space = top.section("space");
  for (const auto& p : c.space.params()) {
    if (p.key == c.resourceKey()) {
      space.fail(p.key,
                 space.rawValue(p.key) +
                     ": set for each trial from budget.max_per_trial; it cannot be searched");
    }
  }
  checkOverrides(base, "overrides", c.overrides, c.space, c.resourceKey());
  auto model_sections = base.sectionList("models");
  for (size_t i = 0; i < model_sections.size(); ++i) {
    checkOverrides(model_sections[i], "overrides", c.models[i].overrides, c.space, c.resourceKey());
  }
  if (static_cast<int64_t>(c.budget.max_concurrent) * c.trial_slots > c.slots) {
    YamlFields budget = top.section("budget");
    budget.fail("max_concurrent", std::to_string(c.budget.max_concurrent) + ": with base.slots " +
                                      std::to_string(c.trial_slots) +
                                      " per trial, more than the pool's " +
                                      std::to_string(c.slots) + " slots");
  }
  return c;
}

}  // namespace

std::string SweepConfig::resourceKey() const {
  return budget.unit == ResourceUnit::epochs ? "train.epochs" : "train.max_steps";
}

SweepConfig parseSweepConfig(const std::string& yaml_text, const std::string& source,
                             const std::string& base_dir) {
  return parseTree(parseYamlText(yaml_text, source), yaml_text, source, base_dir);
}

SweepConfig loadSweepConfig(const std::string& path, const std::vector<std::string>& overrides) {
  const auto loaded = loadYamlWithOverrides(path, overrides);
  return parseTree(loaded.root, loaded.effective_text, path, loaded.base_dir);
}

}  // namespace cog::coord::sweep
