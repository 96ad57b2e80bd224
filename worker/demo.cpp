#include "worker/demo.hpp"

#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <cstdio>
#include <iostream>

#include "common/remove_tree.hpp"
#include "model/generation.hpp"
#include "worker/answer_match.hpp"
#include "worker/commands.hpp"
#include "worker/demo_config.hpp"
#include "worker/exit_codes.hpp"
#include "worker/loaded_model.hpp"
#include "worker/model_summary.hpp"
#include "worker/version_info.hpp"

namespace cog::worker {

const char* demoConfigYaml() { return kTinyDemoYaml; }

const std::vector<TestPrompt>& originalTestPrompts() {
  static const std::vector<TestPrompt> prompts = {
      {"Q: If a store has 15 apples and sells 7, how many are left? A:", "8"},
      {"Q: What is 25 + 17? A:", "42"},
      {"Q: The capital of France is Paris. Q: What is the capital of France? A:", "Paris"}};
  return prompts;
}

std::vector<int> askOriginalPrompts(const std::vector<AskedModel>& models, std::ostream& out) {
  out << "== The original project's test prompts ==\n";
  std::vector<int> right;
  for (const auto& asked : models) {
    auto loaded = loadModelForInference(asked.checkpoint);
    int correct = 0;
    for (const auto& test : originalTestPrompts()) {
      std::vector<int64_t> ids{loaded.tokenizer->bosId()};
      for (int32_t id : loaded.tokenizer->encode(test.prompt)) ids.push_back(id);
      model::GenerationOptions gen;
      gen.max_new_tokens = 12;
      gen.stop_token = loaded.tokenizer->eosId();
      auto produced = model::generate(*loaded.net, ids, gen);
      if (!produced.empty() && produced.back() == loaded.tokenizer->eosId()) produced.pop_back();
      const std::string generated = loaded.tokenizer->decode(std::vector<int32_t>(produced.begin(), produced.end()));
      const std::string answer = extractAnswer("synthetic", generated);
      const bool ok = answersMatch(answer, test.expected);
      correct += ok ? 1 : 0;
      char line[512];
      std::snprintf(line, sizeof line, "  %-10s %-72s expected %-6s got %-12s %s\n", asked.label.c_str(), test.prompt,
                    test.expected, ("\"" + answer + "\"").c_str(), ok ? "ok" : "WRONG");
      out << line;
    }
    right.push_back(correct);
  }
  for (size_t m = 0; m < models.size(); ++m) {
    out << "  " << models[m].label << ": " << right[m] << "/" << originalTestPrompts().size() << " right ("
        << models[m].checkpoint.string() << ")\n";
  }
  out << std::flush;
  return right;
}

int runDemo(const DemoOptions& options) {
  std::cout << formatVersionInfo(collectVersionInfo(options.blas_core, options.host_malloc)) << "\n";
  std::cout << "== The three Cognate variants at full size (preset default) ==\n";
  for (const auto& variant : model::variantNames()) {
    printModelSummary(model::makeModelConfig("default", variant), std::cout);
  }

  std::filesystem::create_directories(options.run_dir);
  const auto config_path = std::filesystem::path(options.run_dir) / "demo.yaml";
  std::ofstream(config_path) << demoConfigYaml();
  std::cout << "\n== Training the demo's reasoning model (configs/models/tiny-demo.yaml, written to "
            << config_path.string() << ") ==\n";
  TrainCommand train;
  train.config = config_path.string();
  train.run_dir = options.run_dir;
  train.default_threads = options.threads;
  train.stop_requested = options.stop_requested;
  // A previous demo run in the same folder would be continued, not clobbered: start clean.
  cog::removeTree(std::filesystem::path(options.run_dir) / "checkpoints");
  std::filesystem::remove(std::filesystem::path(options.run_dir) / "metrics.jsonl");
  runTrain(train);

  std::cout << "\n";
  askOriginalPrompts({{"reasoning", std::filesystem::path(options.run_dir) / "checkpoints" / "final"}}, std::cout);
  return kExitOk;
}

}  // namespace cog::worker
