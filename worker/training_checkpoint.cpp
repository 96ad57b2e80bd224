#include "worker/training_checkpoint.hpp"

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "worker/checkpoint/checkpoint_listing.hpp"
#include "worker/checkpoint/checkpoint_reader.hpp"
#include "worker/checkpoint/checkpoint_writer.hpp"
#include "worker/checkpoint/safetensors.hpp"
#include "worker/train_device.hpp"

namespace cog::worker {
namespace {

constexpr int kFormatVersion = 1;

nlohmann::json finiteOrNull(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }


double numberOr(const nlohmann::json& j, const char* key, double fallback) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : fallback;
}

nlohmann::json positionJson(const TrainerPosition& p) {
  return {{"epoch", p.epoch},
          {"step_in_epoch", p.step_in_epoch},
          {"step", p.global_step},
          {"tokens_seen", p.tokens_seen},
          {"global_batch", p.global_batch},
          {"best_val_loss", finiteOrNull(p.best_val_loss)},
          {"val_loss", finiteOrNull(p.last_val_loss)},
          {"finished", p.finished}};
}

TrainerPosition positionFrom(const nlohmann::json& meta) {
  TrainerPosition p;
  p.epoch = meta.at("epoch").get<int64_t>();
  p.step_in_epoch = meta.at("step_in_epoch").get<int64_t>();
  p.global_step = meta.at("step").get<int64_t>();
  p.tokens_seen = meta.value("tokens_seen", int64_t{0});
  p.global_batch = meta.value("global_batch", int64_t{0});
  p.best_val_loss = numberOr(meta, "best_val_loss", std::numeric_limits<double>::infinity());
  p.last_val_loss = numberOr(meta, "val_loss", std::numeric_limits<double>::quiet_NaN());
  p.finished = meta.value("finished", false);
  return p;
}

// Tied weights appear once: the LM head is tok_emb.weight, which named_parameters lists once.
void writeModelSafetensors(const std::filesystem::path& path, model::CognateModelImpl& model) {
  std::vector<torch::Tensor> keep_alive;
  std::vector<checkpoint::TensorView> views;
  for (const auto& item : model.named_parameters()) {
    auto t = item.value().detach().to(torch::kCPU, torch::kFloat32).contiguous();
    keep_alive.push_back(t);
    views.push_back({item.key(), "F32", t.sizes().vec(), t.data_ptr(),
                     static_cast<size_t>(t.numel()) * sizeof(float)});
  }
  checkpoint::writeSafetensors(path, views,
                               {{"format", "pt"},
                                {"cog.variant", model.config().variant},
                                {"cog.preset", model.config().preset},
                                {"cog.tied", "lm_head.weight=tok_emb.weight"}});
}

}  // namespace

std::filesystem::path saveTrainingCheckpoint(const std::filesystem::path& root, const std::string& name,
                                             model::CognateModelImpl& model,
                                             const optim::MuGrokfast* optimizer,
                                             const RankRngStates& rng_states,
                                             const CheckpointContents& contents,
                                             const std::string& validation_meta_json) {
  checkpoint::CheckpointWriter writer(root, name);
  writer.addFileFrom("model.pt", [&](const std::filesystem::path& path) {
    torch::serialize::OutputArchive archive;
    model.save(archive);
    archive.save_to(path.string());
  });
  if (optimizer) {
    writer.addFileFrom("optimizer.pt", [&](const std::filesystem::path& path) {
      torch::serialize::OutputArchive archive;
      optimizer->save(archive);
      // Dropout draws from the default generators, each rank its own stream: saving every
      // rank's makes resume exact. rng_state (rank 0's) is what older readers look for.
      archive.write("rng_states_by_rank", rng_states.cpu);
      archive.write("rng_state", rng_states.cpu[0]);
      if (rng_states.cuda.defined()) {
        archive.write("cuda_rng_states_by_rank", rng_states.cuda);
        archive.write("cuda_rng_state", rng_states.cuda[0]);
      }
      archive.save_to(path.string());
    });
  }
  writer.addFileFrom("model.safetensors",
                     [&](const std::filesystem::path& path) { writeModelSafetensors(path, model); });
  writer.addFile("config.yaml", contents.config_yaml);
  nlohmann::json meta = positionJson(contents.position);
  meta["format_version"] = kFormatVersion;
  meta["tokenizer"] = contents.tokenizer;
  meta["has_optimizer"] = optimizer != nullptr;
  meta["validation"] = validation_meta_json.empty() ? nlohmann::json::object()
                                                    : nlohmann::json::parse(validation_meta_json);
  writer.setMeta(meta);
  return writer.commit();
}

CheckpointContents readCheckpointContents(const std::filesystem::path& directory) {
  checkpoint::CheckpointReader reader(directory, checkpoint::Verification::kSizes);
  const auto& meta = reader.meta();
  if (meta.value("format_version", 0) != kFormatVersion) {
    throw CheckpointError(directory.string() + ": training checkpoint format_version " +
                          meta.value("format_version", nlohmann::json(0)).dump() + " is not " +
                          std::to_string(kFormatVersion));
  }
  CheckpointContents c;
  try {
    c.position = positionFrom(meta);
  } catch (const nlohmann::json::exception& e) {
    throw CheckpointError(directory.string() + ": manifest meta is missing trainer position: " + e.what());
  }
  auto bytes = reader.readBytes("config.yaml");
  c.config_yaml.assign(bytes.begin(), bytes.end());
  c.tokenizer = meta.value("tokenizer", "");
  return c;
}

RankRngStates loadTrainingCheckpoint(const std::filesystem::path& directory, model::CognateModelImpl& model,
                                     optim::MuGrokfast* optimizer) {
  checkpoint::CheckpointReader reader(directory);  // verifies every file's CRC32
  // Tensors are stored on the device that saved them; mapping them on load makes a GPU
  // run's checkpoint load on a CPU and the reverse: weights to the model's device, optimizer
  // state to the CPU (MuGrokfast copies it beside each parameter, the RNG states stay there).
  const torch::Device device = deviceOf(model);
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(reader.filePath("model.pt").string(), device);
    model.load(archive);
  } catch (const c10::Error& e) {
    throw CheckpointError(directory.string() + "/model.pt does not fit this model: " + e.what_without_backtrace());
  }
  if (!optimizer) return {};
  if (!reader.hasFile("optimizer.pt")) {
    throw CheckpointError(directory.string() + ": has no optimizer.pt (weights-only checkpoint); cannot resume training from it");
  }
  torch::serialize::InputArchive archive;
  archive.load_from(reader.filePath("optimizer.pt").string(), torch::Device(torch::kCPU));
  optimizer->load(archive);
  RankRngStates states;
  if (!archive.try_read("rng_states_by_rank", states.cpu)) {
    torch::Tensor rank_zero;
    archive.read("rng_state", rank_zero);
    states.cpu = rank_zero.unsqueeze(0);
  }
  if (!archive.try_read("cuda_rng_states_by_rank", states.cuda)) {
    torch::Tensor rank_zero;
    if (archive.try_read("cuda_rng_state", rank_zero)) states.cuda = rank_zero.unsqueeze(0);
  }
  return states;
}

std::optional<std::filesystem::path> newestCheckpoint(const std::filesystem::path& root) {
  auto listing = checkpoint::listCheckpoints(root, checkpoint::Verification::kSizes);
  if (listing.checkpoints.empty()) return std::nullopt;
  return listing.checkpoints.back().directory;  // sorted oldest first by meta step
}

}  // namespace cog::worker
