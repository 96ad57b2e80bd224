#pragma once
// A training config small enough that a few epochs run in seconds on one CPU core, and a
// scratch directory per test.
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace cog::worker::testing {

inline std::string microConfigYaml() {
  return R"(model:
  preset: tiny
  variant: reasoning
  d_model: 32
  n_layers: 1
  n_heads: 2
  head_dim: 16
  d_ff: 64
  d_mem: 16
  max_seq_len: 64
  attention_window: 32
  dropout: 0.0
tokenizer:
  kind: byte
data:
  sources:
    - kind: synthetic
      count: 600
      max_difficulty: 1
      seed: 3
  val_fraction: 0.05
train:
  epochs: 3
  batch_size: 4
  seq_len: 32
  threads: 1
  log_every: 1
optim:
  muon_lr: 0.02
  fallback_lr: 0.003
  grokfast_lambda: 0.1
schedule:
  kind: warmup_cosine
  warmup_steps: 5
validation:
  generate_samples: 4
  max_new_tokens: 3
checkpoint:
  every_epochs: 1
)";
}

class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() /
              ("cog_" + name + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }
  std::string write(const std::string& file, const std::string& text) const {
    auto p = path_ / file;
    std::ofstream(p) << text;
    return p.string();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace cog::worker::testing
