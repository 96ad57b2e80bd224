#include "worker/demo.hpp"

#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "model/generation.hpp"
#include "worker/commands.hpp"
#include "worker/exit_codes.hpp"
#include "worker/loaded_model.hpp"
#include "worker/model_summary.hpp"
#include "worker/version_info.hpp"

namespace cog::worker {

const char* demoConfigYaml() {
  return R"(# cogworker demo: tiny reasoning model, synthetic arithmetic, about 5 minutes on 2 CPU cores.
model:
  preset: tiny
  variant: reasoning
  dropout: 0.0
tokenizer:
  kind: byte
data:
  sources:
    - kind: synthetic
      count: 12000
      max_difficulty: 3
      seed: 7
  val_fraction: 0.02
  curriculum:
    - {from_epoch: 0, max_difficulty: 2}
    - {from_epoch: 1, max_difficulty: 3}
train:
  epochs: 2
  batch_size: 16
  seq_len: 96
  log_every: 25
optim:
  muon_lr: 0.02
  fallback_lr: 0.003
  grokfast_lambda: 0.1
schedule:
  kind: warmup_cosine
  warmup_steps: 50
validation:
  generate_samples: 48
  max_new_tokens: 8
checkpoint:
  every_epochs: 1
)";
}

int runDemo(const DemoOptions& options) {
  std::cout << formatVersionInfo(collectVersionInfo()) << "\n";
  std::cout << "== The three Cognate variants at full size (preset default) ==\n";
  for (const auto& variant : model::variantNames()) {
    printModelSummary(model::makeModelConfig("default", variant), std::cout);
  }

  std::filesystem::create_directories(options.run_dir);
  const auto config_path = std::filesystem::path(options.run_dir) / "demo.yaml";
  std::ofstream(config_path) << demoConfigYaml();
  std::cout << "\n== Training tiny-reasoning on synthetic arithmetic (config " << config_path.string() << ") ==\n";
  TrainCommand train;
  train.config = config_path.string();
  train.run_dir = options.run_dir;
  train.default_threads = options.threads;
  train.stop_requested = options.stop_requested;
  // A previous demo run in the same folder would be continued, not clobbered: start clean.
  std::filesystem::remove_all(std::filesystem::path(options.run_dir) / "checkpoints");
  std::filesystem::remove(std::filesystem::path(options.run_dir) / "metrics.jsonl");
  runTrain(train);

  auto loaded = loadModelForInference(std::filesystem::path(options.run_dir) / "checkpoints" / "final");
  std::cout << "\n== The original project's test prompts ==\n";
  for (const char* prompt : {"Q: If a store has 15 apples and sells 7, how many are left? A:",
                             "Q: What is 25 + 17? A:", "Q: What is the capital of France? A:"}) {
    std::vector<int64_t> ids{loaded.tokenizer->bosId()};
    for (int32_t id : loaded.tokenizer->encode(prompt)) ids.push_back(id);
    model::GenerationOptions gen;
    gen.max_new_tokens = 12;
    gen.stop_token = loaded.tokenizer->eosId();
    auto produced = model::generate(*loaded.net, ids, gen);
    std::vector<int32_t> out(produced.begin(), produced.end());
    std::cout << "  " << prompt << loaded.tokenizer->decode(out) << "\n";
  }
  std::cout << "(the capital question is outside the synthetic arithmetic data: expect a guess)\n";
  return kExitOk;
}

}  // namespace cog::worker
