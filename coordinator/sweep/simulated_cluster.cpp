#include "coordinator/sweep/simulated_cluster.hpp"

#include <utility>

namespace cog::coord::sweep {

std::string overrideValue(const std::vector<std::string>& overrides, const std::string& key) {
  std::string value;
  for (const auto& o : overrides) {
    if (o.rfind(key + "=", 0) == 0) value = o.substr(key.size() + 1);
  }
  return value;
}

SimulatedCluster::SimulatedCluster(int slots, Curve curve, Watch watch)
    : slots_(slots), curve_(std::move(curve)), watch_(std::move(watch)) {}

bool SimulatedCluster::run(SweepDriver& driver, int ticks) {
  for (int t = 0; t < ticks; ++t) {
    carryOut(driver, driver.onFreeSlots(freeSlots()));
    if (driver.finished()) return true;
    std::vector<std::string> running;
    for (const auto& [name, job] : jobs_) {
      if (job.running) running.push_back(name);
    }
    for (const auto& name : running) trainEpoch(driver, name);
  }
  return driver.finished();
}

int SimulatedCluster::freeSlots() const {
  int used = 0;
  for (const auto& [name, job] : jobs_) used += job.running ? 1 : 0;
  return slots_ - used;
}

void SimulatedCluster::trainEpoch(SweepDriver& driver, const std::string& name) {
  Job& job = jobs_.at(name);
  if (!job.running) return;  // stopped by an earlier job's decision this tick
  job.epochs += 1;
  epochs_trained_ += 1;
  const int64_t max = std::stoll(overrideValue(job.overrides, "train.epochs"));
  ValidationRow v;
  v.job_id = name;
  v.attempt = job.attempt;
  v.epoch = job.epochs - 1;  // the worker's 0-based epoch index
  v.step = job.epochs * 100;
  v.scalars = curve_(name, job.overrides, job.epochs);
  if (watch_) watch_(name, job.epochs, v.scalars, epochs_trained_);
  const auto commands = driver.onValidation(v);
  if (job.epochs < max) {  // the last epoch leaves only `final`
    CheckpointRow c;
    c.job_id = name;
    c.attempt = job.attempt;
    c.step = v.step;
    c.name = "epoch-" + std::to_string(10000 + job.epochs).substr(1);
    c.path = "/ck/" + name + "/" + std::to_string(job.epochs);
    driver.onCheckpoint(c);
  }
  carryOut(driver, commands);
  if (job.running && job.epochs >= max) {
    job.running = false;
    driver.onJobEnded(name, JobState::kFinished);
  }
}

void SimulatedCluster::carryOut(SweepDriver& driver, const std::vector<SweepCommand>& commands) {
  for (const auto& command : commands) {
    if (const auto* add = std::get_if<AddTrialJob>(&command)) {
      log_.push_back("add " + add->spec.name);
      Job job;
      job.overrides = add->spec.overrides;
      job.running = true;
      jobs_[add->spec.name] = job;
    } else if (const auto* stop = std::get_if<StopTrialJob>(&command)) {
      log_.push_back((stop->pause ? "pause " : "stop ") + stop->job);
      jobs_.at(stop->job).running = false;
      driver.onJobEnded(stop->job, JobState::kStopped);
    } else if (const auto* relaunch = std::get_if<RelaunchTrialJob>(&command)) {
      log_.push_back("relaunch " + relaunch->job + " from " + relaunch->checkpoint);
      Job& job = jobs_.at(relaunch->job);
      job.attempt += 1;
      job.epochs = std::stoll(relaunch->checkpoint.substr(relaunch->checkpoint.rfind('/') + 1));
      job.overrides = relaunch->overrides;
      job.running = true;
    }
  }
}

}  // namespace cog::coord::sweep
