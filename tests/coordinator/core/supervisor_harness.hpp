#pragma once
// Drives one JobSupervisor with plain inputs and reads its actions as data, for the
// supervisor's unit tests. Time is a number of seconds the test advances by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "coordinator/core/job_supervisor.hpp"

namespace cog::coord::testing {

class SupervisorHarness {
 public:
  explicit SupervisorHarness(PolicyConfig policies = {}, JobSpec spec = defaultSpec()) {
    SupervisorConfig config;
    config.experiment_id = "exp";
    config.state = StateDir{"/state"};
    config.policies = policies;
    config.stop_grace_s = 10;
    config.checkpoint_exists = [this](const std::string& path) { return !pruned.count(path); };
    job = std::make_unique<JobSupervisor>(std::move(spec), std::move(config));
  }

  static JobSpec defaultSpec() {
    JobSpec spec;
    spec.name = "micro";
    spec.config = "/configs/micro.yaml";
    spec.overrides = {"train.epochs=4"};
    return spec;
  }

  Instant at(double seconds) { return {1.7e9 + seconds, seconds}; }
  Instant now() { return at(t); }
  // Advances the clock and ticks.
  Actions advance(double seconds) {
    t += seconds;
    return job->tick(now());
  }

  // Starts the job and says its processes run under launch id 100 + attempt.
  Actions startRunning() {
    Actions out = job->start(now());
    const int attempt = job->row().attempt;
    append(out, job->onLaunched(attempt, 100 + attempt, now()));
    append(out, job->onHello(attempt, wire::Hello{}, now()));
    return out;
  }
  Actions metrics(int64_t step, double loss, double grad_norm = 0.5) {
    MetricRow row{"micro", job->row().attempt, step,
                  0,       now().wall,         {{"loss", loss}, {"grad_norm", grad_norm}}};
    return job->onMetrics(row, 60, now());
  }
  Actions validation(int64_t step, double val_loss, int attempt = 0) {
    ValidationRow row{
        "micro",
        attempt ? attempt : job->row().attempt,
        step,
        0,
        now().wall,
        {{"val_loss", val_loss}, {"exact_match", 0.5}, {"answered", 8}, {"top_token_share", 0.3}},
        {"[]"}};
    return job->onValidation(row, now());
  }
  Actions checkpoint(int64_t step, const std::string& name, double val_loss = std::nan(""),
                     int attempt = 0) {
    const int a = attempt ? attempt : job->row().attempt;
    return job->onCheckpointSaved(
        a,
        {step, name, "/state/jobs/micro/attempt-" + std::to_string(a) + "/checkpoints/" + name,
         val_loss, true},
        now());
  }
  // The worker says goodbye and its processes exit; returns everything up to the conclusion
  // (the shell's log read included).
  Actions finish(wire::RunEnd end, ExitStatus status = {}) {
    const int attempt = job->row().attempt;
    Actions out = job->onRunFinished(attempt, {job->row().step, end, ""}, now());
    append(out, exitAndConclude(status));
    return out;
  }
  Actions exitAndConclude(ExitStatus status) {
    const int attempt = job->row().attempt;
    Actions out = job->onProcessExited(attempt, status, now());
    if (!has<ReadAttemptLog>(out)) append(out, advance(5.1));
    if (has<ReadAttemptLog>(out)) append(out, job->onLogRead(attempt, now()));
    return out;
  }

  template <typename T>
  static bool has(const Actions& actions) {
    return std::any_of(actions.begin(), actions.end(),
                       [](const Action& a) { return std::holds_alternative<T>(a); });
  }
  template <typename T>
  static const T* first(const Actions& actions) {
    for (const auto& a : actions) {
      if (const auto* x = std::get_if<T>(&a)) return x;
    }
    return nullptr;
  }
  template <typename T>
  static size_t indexOf(const Actions& actions) {
    for (size_t i = 0; i < actions.size(); ++i) {
      if (std::holds_alternative<T>(actions[i])) return i;
    }
    return actions.size();
  }
  // The kinds of the RecordEvent actions, in order.
  static std::vector<std::string> decisions(const Actions& actions) {
    std::vector<std::string> kinds;
    for (const auto& a : actions) {
      if (const auto* e = std::get_if<RecordEvent>(&a)) kinds.push_back(e->kind);
    }
    return kinds;
  }
  static void append(Actions& out, Actions more) {
    for (auto& a : more) out.push_back(std::move(a));
  }

  std::unique_ptr<JobSupervisor> job;
  std::set<std::string> pruned;  // checkpoint paths that no longer exist
  double t = 0;
};

}  // namespace cog::coord::testing
