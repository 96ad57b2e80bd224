#pragma once
// Typed `policies:` section of an experiment file: when the coordinator stops, rolls back,
// relaunches or restarts a job. Parsed once through YamlFields; leaf code gets const&.
//
//   policies:
//     early_stopping: {enabled: true, patience: 3, min_delta: 0.01}
//     divergence: {grad_norm_limit: 10, loss_rise_ratio: 1.15, ...}
//     relaunch: {max_relaunches: 3, lr_factor: 0.5, grokfast_lambda_factor: 0.4}
//     restart: {max_restarts: 5, heartbeat_timeout_s: 30, progress_timeout_s: 600, startup_timeout_s: 300}
#include "common/yaml_fields.hpp"

namespace cog::coord {

struct EarlyStoppingConfig {
  bool enabled = true;
  int patience = 3;         // validations without improvement before stopping
  double min_delta = 0.01;  // an improvement must lower the best val_loss by more than this
};

// A job's checkpoint retention (`checkpoint: {keep: {best: 1, latest: 2}}` of a job in the
// experiment file; checkpoint_retention.hpp). Like Determined's save_trial_best /
// save_trial_latest (1 / 1 there).
struct CheckpointKeep {
  int best = 1;    // the healthy checkpoints with the lowest val_loss
  int latest = 2;  // the newest by step (at least 1)
};

struct DivergenceConfig {
  bool enabled = true;          // false turns off all four detectors (non-finite included)
  double grad_norm_limit = 10;  // pre-clip gradient norm
  int grad_norm_reports = 3;    // consecutive reports above the limit
  // Steps at the start of every attempt whose norms are not judged: a model at initialisation
  // (and after a relaunch's fresh warmup) has large gradients that fall within tens of steps.
  // Measured on bench/sweep_arithmetic's 13 trials: 11.6-22.1 at step 10, below 10 by step
  // 20-60; a trial with a low embedding lr (10.01 and 11.2 at steps 20 and 30) was condemned
  // as diverged and each slower relaunch stayed above 10 longer, until the trial failed.
  int grad_norm_warmup_steps = 100;
  // EMA of the train loss: 1/alpha ~ 10 reports of memory. Recorded runs jitter up to ±9%
  // between reports in steady state (demo run: 0.479 -> 0.533); alpha 0.1 damps that to
  // ~2%, far below the 15% margin, while a lasting x1.5 rise still crosses the margin
  // after 4 reports (and fires after loss_rise_reports more).
  double loss_ema_alpha = 0.1;
  // Reports skipped at the start of an attempt and after a curriculum stage change before
  // the EMA starts: the initial descent (and a new stage's transient) would otherwise
  // anchor the EMA high and hide a later rise.
  int loss_ema_warmup_reports = 5;
  double loss_rise_ratio = 1.15;  // EMA above ratio x its running minimum ...
  int loss_rise_reports = 5;      // ... on this many consecutive reports
  // Pooled distinct-1 (unique answer tokens / answer tokens) falls with the number and
  // length of answers: recorded healthy runs give 0.006-0.08 and the "::::::" collapse
  // 0.017, so no fixed bound separates them. 0 = rule off; set it for open-ended
  // generation where distinct-1 is meaningful. top_token_share separates the recorded
  // cases (healthy 0.33-0.43, collapsed 1.0).
  double distinct_1_min = 0;
  double top_token_share_max = 0.9;
  // A collapse to empty answers (every greedy answer just end-of-answer) has no tokens, so
  // top_token_share reads 0: this share of empty answers catches it (1 = off).
  double empty_answer_share_max = 0.9;
};

struct RelaunchConfig {
  int max_relaunches = 3;               // divergence relaunches per job
  double lr_factor = 0.5;               // compounds per relaunch (rollback.hpp)
  double grokfast_lambda_factor = 0.4;  // compounds per relaunch
  bool fresh_warmup = true;             // rerun the LR warmup from the rollback step
};

struct RestartConfig {
  int max_restarts = 5;             // crash restarts per job
  double heartbeat_timeout_s = 30;  // silence after which a worker counts as dead
  // Heartbeats keep coming but the training thread completes no step, validation batch or
  // checkpoint for this long: it is hung (a deadlock, a stuck collective) and is restarted.
  // Must exceed the slowest single unit of work (a validation's loss pass or its
  // generation, which report progress only as a whole).
  double progress_timeout_s = 600;
  // Rank 0 of a new attempt must be heard from within this long (multi-rank starts under
  // mpirun or a busy node are slow; a worker that never connects is restarted).
  double startup_timeout_s = 300;
};

struct PolicyConfig {
  EarlyStoppingConfig early_stopping;
  DivergenceConfig divergence;
  RelaunchConfig relaunch;
  RestartConfig restart;
};

// Reads the `policies` section (absent keys keep the defaults above). Unknown keys and
// out-of-range values throw ConfigError naming file, key path and value.
PolicyConfig parsePolicyConfig(YamlFields& policies);

}  // namespace cog::coord
