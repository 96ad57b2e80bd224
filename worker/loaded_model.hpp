#pragma once
#include <filesystem>
#include <memory>

#include "model/cognate.hpp"
#include "model/tokenizer/tokenizer.hpp"
#include "worker/config/worker_config.hpp"

namespace cog::worker {

// A trained model ready for inference: its config (from the checkpoint), tokenizer and
// verified weights, in eval mode.
struct LoadedModel {
  WorkerConfig config;
  std::unique_ptr<Tokenizer> tokenizer;
  model::CognateModel net{nullptr};
};

LoadedModel loadModelForInference(const std::filesystem::path& checkpoint_dir);

}  // namespace cog::worker
