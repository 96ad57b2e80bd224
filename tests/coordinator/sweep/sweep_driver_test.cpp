// The sweep driver between the coordinator and the searchers, driven with plain rows: trials
// become jobs with the right overrides, decisions become stop/pause/relaunch commands with
// the right checkpoint paths, stale runs are ignored, models share the slots.
#include "coordinator/sweep/sweep_driver.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace cog::coord::sweep {
namespace {

const std::string kFixtures = COG_TEST_FIXTURES_DIR;

SweepConfig config(const std::string& searcher, const std::string& budget,
                   const std::string& base = "  config: model.yaml\n", int slots = 2) {
  const std::string yaml = "name: lr\nslots: " + std::to_string(slots) + "\nbase:\n" + base +
                           "  overrides: [train.log_every=10]\n"
                           "space:\n  optim.muon_lr: {loguniform: [0.005, 0.05]}\n"
                           "metric: {name: val_loss, mode: min}\n"
                           "budget: " +
                           budget + "\nsearcher: " + searcher + "\n";
  return parseSweepConfig(yaml, "sweep.yaml", kFixtures);
}

ValidationRow validation(const std::string& job, int attempt, int64_t epoch, double val_loss) {
  ValidationRow row;
  row.job_id = job;
  row.attempt = attempt;
  row.epoch = epoch;
  row.step = 100 * (epoch + 1);
  row.scalars = {{"val_loss", val_loss}, {"exact_match", 0.0}};
  return row;
}

CheckpointRow checkpoint(const std::string& job, int attempt, int64_t epoch,
                         const std::string& path) {
  CheckpointRow row;
  row.job_id = job;
  row.attempt = attempt;
  row.step = 100 * epoch;
  char name[16];
  std::snprintf(name, sizeof name, "epoch-%04lld", static_cast<long long>(epoch));
  row.name = name;
  row.path = path;
  return row;
}

template <typename T>
T only(const std::vector<SweepCommand>& commands) {  // a copy: commands are temporaries
  EXPECT_EQ(commands.size(), 1u);
  const T* c = commands.empty() ? nullptr : std::get_if<T>(&commands.front());
  if (c == nullptr) throw std::runtime_error("not the expected command");
  return *c;
}

TEST(SweepDriver, AshaPromoteBecomesJobsStopsAndRelaunchesFromTheRungCheckpoint) {
  // eta 2, rungs at 1 and 2 epochs, trials train to 4; three trials, two at once.
  SweepDriver driver(config("{kind: asha, grace: 1, eta: 2, mode: promote}",
                            "{max_trials: 3, max_concurrent: 2, max_per_trial: 4}"));
  EXPECT_FALSE(driver.finished());
  const auto started = driver.onFreeSlots(2);
  ASSERT_EQ(started.size(), 2u);
  const auto& t0 = std::get<AddTrialJob>(started[0]).spec;
  EXPECT_EQ(t0.name, "lr-model-t000");
  EXPECT_EQ(std::get<AddTrialJob>(started[1]).spec.name, "lr-model-t001");
  EXPECT_EQ(t0.config, kFixtures + "/model.yaml");
  ASSERT_EQ(t0.overrides.size(), 4u);
  EXPECT_EQ(t0.overrides[0], "checkpoint.every_epochs=1");  // rungs need checkpoints
  EXPECT_EQ(t0.overrides[1], "train.log_every=10");
  EXPECT_EQ(t0.overrides[2], "train.epochs=4");
  EXPECT_EQ(t0.overrides[3].rfind("optim.muon_lr=", 0), 0u);
  EXPECT_TRUE(driver.onFreeSlots(2).empty());  // max_concurrent 2 are running

  // Epoch 1 (0-based epoch 0): trial 0 pauses at rung 0.
  const auto pause =
      only<StopTrialJob>(driver.onValidation(validation("lr-model-t000", 1, 0, 0.5)));
  EXPECT_EQ(pause.job, "lr-model-t000");
  EXPECT_TRUE(pause.pause);
  driver.onCheckpoint(checkpoint("lr-model-t000", 1, 1, "/ck/t000/epoch-0001"));
  driver.onJobEnded("lr-model-t000", JobState::kStopped);
  EXPECT_EQ(driver.searcher(0).trials().at(0).status, TrialStatus::paused);

  EXPECT_EQ(only<AddTrialJob>(driver.onFreeSlots(1)).spec.name, "lr-model-t002");
  // Trial 1 is worse: trial 0 is rung 0's candidate (n 2, top 1), so 1 pauses ...
  EXPECT_TRUE(
      only<StopTrialJob>(driver.onValidation(validation("lr-model-t001", 1, 0, 0.6))).pause);
  // ... and its slot promotes trial 0 from its epoch-1 checkpoint, with the same overrides.
  const auto promote = only<RelaunchTrialJob>(driver.onFreeSlots(1));
  EXPECT_EQ(promote.job, "lr-model-t000");
  EXPECT_EQ(promote.checkpoint, "/ck/t000/epoch-0001");
  EXPECT_EQ(promote.overrides, t0.overrides);

  const auto saved = driver.saveState();
  SweepDriver resumed(config("{kind: asha, grace: 1, eta: 2, mode: promote}",
                             "{max_trials: 3, max_concurrent: 2, max_per_trial: 4}"));
  resumed.restoreState(nlohmann::json::parse(saved.dump()));
  EXPECT_EQ(resumed.saveState(), saved);

  for (SweepDriver* d : {&driver, &resumed}) {
    // The old run's validation on its way out is dropped.
    EXPECT_TRUE(d->onValidation(validation("lr-model-t000", 1, 1, 0.1)).empty());
    EXPECT_EQ(d->searcher(0).trials().at(0).resource, 1);
    // The promoted run reaches rung 1 (2 epochs) alone there; all three trials are started,
    // so the rung will not grow to eta: its best goes on to the end, no command.
    EXPECT_TRUE(d->onValidation(validation("lr-model-t000", 2, 1, 0.45)).empty());
    EXPECT_EQ(d->searcher(0).trials().at(0).status, TrialStatus::running);
    EXPECT_TRUE(d->onValidation(validation("other-job", 1, 0, 0.1)).empty());  // not a trial
    const auto ranked = d->ranking(0);
    ASSERT_EQ(ranked.size(), 3u);
    EXPECT_EQ(ranked[0].trial, 0);  // 2 epochs beat 1
    EXPECT_EQ(ranked[1].trial, 1);
    EXPECT_EQ(ranked[2].trial, 2);  // no metric yet
    EXPECT_EQ(SweepDriver::setLine(ranked[0]).rfind(
                  "--set checkpoint.every_epochs=1 --set train.log_every=10 --set train.epochs=4 "
                  "--set optim.muon_lr=",
                  0),
              0u);
    const std::string best = d->bestYaml(0);
    EXPECT_NE(best.find("epochs: 4"), std::string::npos) << best;
    EXPECT_NE(best.find("preset: tiny"), std::string::npos) << best;
  }
  // A validation without the sweep's metric is a config error naming it and what there is.
  ValidationRow no_metric = validation("lr-model-t002", 1, 0, 0.5);
  no_metric.scalars = {{"exact_match", 0.1}};
  try {
    driver.onValidation(no_metric);
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(
        std::string(e.what()).find("metric.name = val_loss: job lr-model-t002 does not report it "
                                   "(its validation has: exact_match)"),
        std::string::npos)
        << e.what();
  }
}

TEST(SweepDriver, PbtExploitCopiesTheSourceCheckpointAndForgetsItsOldRun) {
  SweepDriver driver(config("{kind: pbt, perturbation_interval: 1, resample_probability: 0}",
                            "{max_trials: 2, max_concurrent: 2, max_per_trial: 4}"));
  ASSERT_EQ(driver.onFreeSlots(2).size(), 2u);
  EXPECT_TRUE(
      driver.onValidation(validation("lr-model-t000", 1, 0, 0.5)).empty());  // alone: no bottom
  driver.onCheckpoint(checkpoint("lr-model-t000", 1, 1, "/ck/t000/epoch-0001"));
  // Trial 1 is the bottom of two: it copies trial 0's epoch-1 checkpoint.
  const auto exploit =
      only<RelaunchTrialJob>(driver.onValidation(validation("lr-model-t001", 1, 0, 0.9)));
  EXPECT_EQ(exploit.job, "lr-model-t001");
  EXPECT_EQ(exploit.checkpoint, "/ck/t000/epoch-0001");
  const auto& trial1 = driver.searcher(0).trials().at(1);
  EXPECT_EQ(trial1.exploited_from, 0);
  EXPECT_EQ(exploit.overrides.back(), driver.config().space.overrides(trial1.point).back());
  // A checkpoint of its old run arriving now is not its own any more.
  driver.onCheckpoint(checkpoint("lr-model-t001", 1, 1, "/ck/t001/epoch-0001"));
  EXPECT_EQ(driver.searcher(0).trials().at(1).checkpoint_resource, -1);
  driver.onCheckpoint(checkpoint("lr-model-t001", 2, 2, "/ck/t001/epoch-0002"));
  EXPECT_EQ(driver.searcher(0).trials().at(1).checkpoint_resource, 2);
}

TEST(SweepDriver, ModelsTakeTurnsUnderMaxConcurrent) {
  const std::string models =
      "  models:\n    - {name: a, config: model.yaml}\n    - {name: b, config: model.yaml}\n";
  SweepDriver driver(
      config("{kind: random}", "{max_trials: 2, max_concurrent: 3, max_per_trial: 2}", models, 4));
  auto names = [](const std::vector<SweepCommand>& commands) {
    std::vector<std::string> out;
    for (const auto& c : commands) out.push_back(std::get<AddTrialJob>(c).spec.name);
    return out;
  };
  EXPECT_EQ(names(driver.onFreeSlots(4)),
            (std::vector<std::string>{"lr-a-t000", "lr-b-t000", "lr-a-t001"}));
  EXPECT_TRUE(driver.onFreeSlots(1).empty());  // three running
  driver.onJobEnded("lr-a-t000", JobState::kFinished);
  EXPECT_EQ(names(driver.onFreeSlots(1)), (std::vector<std::string>{"lr-b-t001"}));
  for (const char* job : {"lr-a-t001", "lr-b-t000"}) driver.onJobEnded(job, JobState::kFinished);
  driver.onJobEnded("lr-b-t001", JobState::kFailed);
  EXPECT_FALSE(driver.finished());  // not offered slots since
  EXPECT_TRUE(driver.onFreeSlots(4).empty());
  EXPECT_TRUE(driver.finished());
  EXPECT_EQ(driver.searcher(1).trials().at(1).status, TrialStatus::failed);
  // Per-model seeds: the two models' first trials differ.
  EXPECT_NE(driver.searcher(0).trials().at(0).point, driver.searcher(1).trials().at(0).point);
}

TEST(SweepDriver, AfterAResumeStopsAgainTheTrialsItHadStopped) {
  SweepDriver driver(config("{kind: asha, grace: 1, eta: 2, mode: promote}",
                            "{max_trials: 3, max_concurrent: 2, max_per_trial: 4}"));
  driver.onFreeSlots(2);
  driver.onValidation(validation("lr-model-t000", 1, 0, 0.5));  // paused
  JobRow paused;
  paused.id = "lr-model-t000";
  paused.state = JobState::kQueued;  // its stop was cut short: resume restarts it
  JobRow running;
  running.id = "lr-model-t001";
  running.state = JobState::kRunning;
  JobRow other;
  other.id = "not-a-trial";
  const auto stop = only<StopTrialJob>(driver.onResumed({paused, running, other}));
  EXPECT_EQ(stop.job, "lr-model-t000");
  EXPECT_TRUE(stop.pause);
  paused.state = JobState::kStopped;
  EXPECT_TRUE(driver.onResumed({paused, running}).empty());
}

TEST(SweepDriver, AResumeAsksAgainForAnExploitTheKillMayHaveCutShort) {
  SweepDriver driver(config("{kind: pbt, perturbation_interval: 1, resample_probability: 0}",
                            "{max_trials: 2, max_concurrent: 2, max_per_trial: 4}"));
  ASSERT_EQ(driver.onFreeSlots(2).size(), 2u);
  driver.onValidation(validation("lr-model-t000", 1, 0, 0.5));
  driver.onCheckpoint(checkpoint("lr-model-t000", 1, 1, "/ck/t000/epoch-0001"));
  const auto exploit =
      only<RelaunchTrialJob>(driver.onValidation(validation("lr-model-t001", 1, 0, 0.9)));
  // Killed here: the saved state has the exploit, the store has t001 still at attempt 1,
  // and `resume` has restarted it as attempt 2 with its old weights and hyperparameters.
  SweepDriver resumed(driver.config());
  resumed.restoreState(driver.saveState());
  JobRow t0;
  t0.id = "lr-model-t000";
  t0.state = JobState::kRunning;
  t0.attempt = 1;
  JobRow t1 = t0;
  t1.id = "lr-model-t001";
  t1.attempt = 2;
  const auto again = only<RelaunchTrialJob>(resumed.onResumed({t0, t1}));
  EXPECT_EQ(again.job, "lr-model-t001");
  EXPECT_EQ(again.checkpoint, exploit.checkpoint);
  EXPECT_EQ(again.overrides, exploit.overrides);
  EXPECT_EQ(again.reason, "resumed: " + exploit.reason);
  // Attempt 2 (resume's own) trains the old weights: its reports are not the trial's.
  EXPECT_TRUE(resumed.onValidation(validation("lr-model-t001", 2, 1, 0.1)).empty());
  EXPECT_FALSE(resumed.searcher(0).trials().at(1).metric.has_value() &&
               *resumed.searcher(0).trials().at(1).metric == 0.1);
  // Attempt 3 is the exploit carried out: once it reports, nothing is pending.
  resumed.onCheckpoint(checkpoint("lr-model-t001", 3, 2, "/ck/t001/epoch-0002"));
  t1.attempt = 3;
  EXPECT_TRUE(resumed.onResumed({t0, t1}).empty());
}

TEST(SweepDriver, RestoreRefusesAnotherSweepsState) {
  SweepDriver driver(
      config("{kind: random}", "{max_trials: 2, max_concurrent: 2, max_per_trial: 2}"));
  driver.onFreeSlots(2);
  auto state = driver.saveState();
  state["sweep"] = "other";
  SweepDriver fresh(
      config("{kind: random}", "{max_trials: 2, max_concurrent: 2, max_per_trial: 2}"));
  EXPECT_THROW(fresh.restoreState(state), DataError);
  SweepDriver asha(
      config("{kind: asha, grace: 1}", "{max_trials: 2, max_concurrent: 2, max_per_trial: 2}"));
  EXPECT_THROW(asha.restoreState(driver.saveState()), DataError);  // a random searcher's state
  EXPECT_EQ(asha.searcher(0).trials().size(), 0u);
}

}  // namespace
}  // namespace cog::coord::sweep
