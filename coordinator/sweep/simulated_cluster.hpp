#pragma once
// The coordinator and its workers simulated for the sweep driver, one epoch a tick: slots are
// offered, running trial jobs train one epoch each, validate, checkpoint (after the
// validation, as worker/trainer.cpp does), and obey stops, pauses and relaunches from
// checkpoints. What a validation reports comes from a curve: a formula in the sweep's tests,
// recorded runs in bench/sweep_replay. Not part of cogcoord: no clock, store or process.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "coordinator/sweep/sweep_driver.hpp"

namespace cog::coord::sweep {

// The value of `key` in a --set list (`key=value`; later ones win); empty when absent.
std::string overrideValue(const std::vector<std::string>& overrides, const std::string& key);

class SimulatedCluster {
 public:
  // The held-out scalars ({"val_loss", ...}) of job `job`, trained with `overrides`, after
  // `epochs` epochs of its weights.
  using Curve = std::function<Scalars(const std::string& job,
                                      const std::vector<std::string>& overrides, int64_t epochs)>;
  // Told every validation, with the epochs trained by all jobs so far (this one included).
  using Watch = std::function<void(const std::string& job, int64_t epochs, const Scalars& scalars,
                                   int64_t epochs_trained)>;

  SimulatedCluster(int slots, Curve curve, Watch watch = {});

  int64_t epochsTrained() const { return epochs_trained_; }
  // "add <job>", "stop <job>", "pause <job>", "relaunch <job> from <checkpoint>", in order.
  const std::vector<std::string>& log() const { return log_; }

  // Until the sweep is over, or `ticks` ticks; true when the sweep is over.
  bool run(SweepDriver& driver, int ticks);

 private:
  struct Job {
    std::vector<std::string> overrides;
    int attempt = 1;
    int64_t epochs = 0;  // trained so far (what its weights have seen)
    bool running = false;
  };

  int freeSlots() const;
  void trainEpoch(SweepDriver& driver, const std::string& name);
  void carryOut(SweepDriver& driver, const std::vector<SweepCommand>& commands);

  int slots_;
  Curve curve_;
  Watch watch_;
  std::map<std::string, Job> jobs_;
  int64_t epochs_trained_ = 0;
  std::vector<std::string> log_;
};

}  // namespace cog::coord::sweep
