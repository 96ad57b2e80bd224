#pragma once
// cogworker's typed configuration: one YAML file (configs/models/*.yaml) plus --set
// overrides, parsed once at the entry point; leaf code receives these structs by const&.
#include <cstdint>
#include <string>
#include <vector>

#include "model/model_config.hpp"
#include "model/tokenizer/tokenizer_factory.hpp"
#include "optim/lr_schedule.hpp"
#include "optim/mugrokfast_options.hpp"
#include "worker/data/data_config.hpp"

namespace cog::worker {

struct TrainSection {
  int64_t epochs = 1;
  int64_t max_steps = 0;    // 0 = no cap; otherwise the run ends after this many steps
  int64_t batch_size = 8;   // sequences per rank per step
  int64_t seq_len = 128;    // used when no curriculum stage sets one
  uint64_t seed = 0;        // initialisation and dropout; 0 = the model variant's seed
  int threads = 0;          // LibTorch intra-op threads; 0 = cores / local ranks
  int64_t log_every = 10;   // steps between progress lines / metric reports
  double grad_clip = 1.0;   // max global grad norm; <= 0 measures only
  double qk_clip_tau = 0;   // MuonClip threshold on attention logits; 0 = off
  // Where the model, batches and loss live: auto | cpu | cuda. auto = cuda when LibTorch
  // sees a GPU, else cpu; cuda without a GPU is an error (worker/train_device.hpp).
  std::string device = "auto";
  // fp32 | bf16. bf16 = autocast of the forward pass and loss to bfloat16 on CUDA; weights,
  // gradients and optimizer state stay fp32. On CPU only through auto (it falls back to fp32).
  std::string precision = "fp32";
};

struct ValidationSection {
  int64_t max_batches = 0;        // 0 = the whole held-out split
  int64_t batch_size = 8;
  int64_t generate_samples = 32;  // held-out questions answered greedily per validation
  int64_t max_new_tokens = 16;
  bool on_stop = false;           // validate when stopped by a signal
};

struct CheckpointSection {
  int64_t every_epochs = 1;
  // Periodic checkpoints kept; `best` and `final` are kept too. 0 = keep every one: the
  // coordinator sets it, because its own retention (checkpoint.keep) knows which ones a
  // rollback may still need.
  int64_t keep_last = 2;
};

// Deliberate failures, for the coordinator's integration tests (issue: divergence and
// crash handling). -1 = off.
struct FaultsSection {
  int64_t nan_at_step = -1;   // the loss becomes NaN at this global step
  int64_t exit_at_step = -1;  // the process exits with code 17 at this global step
  // The training thread stops at this global step as a deadlock would (its I/O thread keeps
  // sending heartbeats): what the coordinator's progress timeout must catch.
  int64_t hang_at_step = -1;
  int64_t rank = -1;          // the rank the faults apply to; -1 = every rank
  int64_t attempt = -1;       // only in this attempt of a coordinator's job (a restart must not crash again); -1 = all
};

// Data-parallel communication (comms/).
struct CommsSection {
  std::string backend = "auto";  // auto | mpi | nccl (auto: nccl on CUDA, mpi on CPU)
  int64_t timeout_ms = 30000;    // every collective gives up (CommsError) after this
  int64_t abort_grace_ms = 500;  // after SIGTERM, how long a collective may still complete
  double bucket_mb = 25.0;       // gradient bucket size
  double first_bucket_mb = 1.0;  // the first bucket reduced is small so it starts early
  int64_t consistency_every = 100;  // steps between cross-rank parameter hash checks; 0 = off
};

// Hyperparameter adjustments a coordinator applies when it relaunches a diverged job
// (DESIGN.md: lr x 0.5, grokfast lambda x 0.4, fresh warmup). They multiply the values of
// the optim section, so the base values stay readable in the file and factors compound.
struct AdjustSection {
  double lr_factor = 1.0;               // scales optim.muon_lr and optim.fallback_lr
  double grokfast_lambda_factor = 1.0;  // scales optim.grokfast_lambda
  int64_t warmup_from_step = -1;        // >= 0: a linear warmup restarts at this global step
  int64_t warmup_steps = 0;             // its length; 0 = schedule.warmup_steps, or 20 if that is 0
};

struct WorkerConfig {
  std::string source;  // file the config came from, for messages
  std::string yaml;    // the effective YAML (file + overrides), stored in checkpoints
  model::ModelConfig model;
  TokenizerConfig tokenizer;
  data::DataConfig data;
  TrainSection train;
  optim::MuGrokfastOptions optim;
  optim::ScheduleConfig schedule;
  ValidationSection validation;
  CheckpointSection checkpoint;
  FaultsSection faults;
  CommsSection comms;
  AdjustSection adjust;  // already applied to `optim` by the parser
};

// Reads `path`, applies `overrides` ("key.path=value"), validates. Errors are ConfigError
// naming file, key path and value. Relative data/tokenizer paths resolve against the
// config file's folder first, then the working directory.
WorkerConfig loadWorkerConfig(const std::string& path, const std::vector<std::string>& overrides = {});
// Same from YAML text (checkpoints store their effective config this way).
WorkerConfig parseWorkerConfig(const std::string& yaml_text, const std::string& source,
                               const std::string& base_dir = ".");

}  // namespace cog::worker
