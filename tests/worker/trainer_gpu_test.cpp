// The trainer on a CUDA device (label gpu; built and registered only with -DCOG_GPU_TESTS=ON).
// The device comes from resolveTrainDevice with train.device = cuda, so a machine without a
// GPU or without a CUDA LibTorch fails here with a ConfigError instead of skipping.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>

#include "recording_reporter.hpp"
#include "worker/checkpoint/safetensors.hpp"
#include "worker/config/worker_config.hpp"
#include "worker/loaded_model.hpp"
#include "worker/train_device.hpp"
#include "worker/trainer.hpp"
#include "worker_test_util.hpp"

namespace cog::worker {
namespace {

using testing::RecordingReporter;

WorkerConfig microConfig(const testing::ScratchDir& dir, const std::vector<std::string>& overrides) {
  return loadWorkerConfig(dir.write("micro.yaml", testing::microConfigYaml()), overrides);
}

TrainResult train(const WorkerConfig& config, const std::filesystem::path& run_dir, RecordingReporter& reporter,
                  bool resume = false, const std::atomic<bool>* stop = nullptr) {
  RunContext context;
  context.run_dir = run_dir;
  context.resume = resume;
  context.stop_requested = stop;
  context.device = resolveTrainDevice(config, 0);
  return Trainer(config, context, reporter).run();
}

double meanLoss(const RecordingReporter& r, size_t first, size_t count) {
  double sum = 0;
  for (size_t i = first; i < first + count; ++i) sum += scalarOr(r.steps[i].scalars, "loss", NAN);
  return sum / count;
}

TEST(WorkerGpuTrainer, Bf16AutocastLearnsValidatesAndItsCheckpointLoadsOnTheCpu) {
  testing::ScratchDir dir("gpu_bf16");
  RecordingReporter reporter;
  auto config = microConfig(dir, {"train.device=cuda", "train.precision=bf16"});
  auto result = train(config, dir.path() / "run", reporter);
  ASSERT_TRUE(reporter.hasEvent("device"));
  EXPECT_NE(reporter.findEvent("device")->detail.find("cuda:0, bf16 autocast"), std::string::npos);
  ASSERT_GT(reporter.steps.size(), 100u);
  const double first = scalarOr(reporter.steps.front().scalars, "loss", 0);
  const double last = meanLoss(reporter, reporter.steps.size() - 20, 20);
  EXPECT_LT(last, first / 2) << "first step loss " << first << ", last 20 steps " << last;
  ASSERT_EQ(reporter.validations.size(), 3u);
  EXPECT_TRUE(std::isfinite(scalarOr(reporter.validations.back().scalars, "val_loss", NAN)));
  EXPECT_GT(scalarOr(reporter.validations.back().scalars, "answered", 0), 0) << "greedy answers on the GPU";
  for (const char* timer : {"forward_seconds", "backward_seconds", "update_seconds"}) {
    EXPECT_GT(scalarOr(reporter.steps.back().scalars, timer, 0), 0) << timer;
  }

  // Saved from CUDA tensors, loaded on the CPU: the same weights as the safetensors copy.
  auto loaded = loadModelForInference(result.final_checkpoint);
  EXPECT_TRUE(loaded.net->tok_emb->weight.device().is_cpu());
  auto file = checkpoint::readSafetensors(result.final_checkpoint / "model.safetensors");
  const auto* emb = file.find("tok_emb.weight");
  ASSERT_NE(emb, nullptr);
  auto stored = torch::from_blob(const_cast<uint8_t*>(emb->data.data()), emb->shape, torch::kFloat32);
  EXPECT_TRUE(torch::equal(stored, loaded.net->tok_emb->weight));
}

// Same seed, same data: the weights start identical on both devices, so fp32 CUDA follows the
// CPU run up to reduction order.
TEST(WorkerGpuTrainer, Fp32OnCudaFollowsTheCpuRun) {
  testing::ScratchDir dir("gpu_fp32");
  RecordingReporter cpu, gpu;
  train(microConfig(dir, {"train.device=cpu", "train.max_steps=5"}), dir.path() / "cpu", cpu);
  train(microConfig(dir, {"train.device=cuda", "train.max_steps=5"}), dir.path() / "gpu", gpu);
  ASSERT_EQ(cpu.steps.size(), 5u);
  ASSERT_EQ(gpu.steps.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    const double a = scalarOr(cpu.steps[i].scalars, "loss", NAN);
    const double b = scalarOr(gpu.steps[i].scalars, "loss", NAN);
    EXPECT_NEAR(a, b, (i == 0 ? 1e-4 : 1e-2) * a) << "step " << i + 1;
  }
}

// A run stopped on the GPU resumes on the CPU and the reverse: tensors are mapped on load.
TEST(WorkerGpuTrainer, CheckpointsMoveBetweenCudaAndCpuOnResume) {
  testing::ScratchDir dir("gpu_resume");
  std::atomic<bool> stop{false};
  RecordingReporter on_gpu;
  on_gpu.stop_after_step = 10;
  on_gpu.stop_flag = &stop;
  auto stopped = train(microConfig(dir, {"train.device=cuda"}), dir.path() / "run", on_gpu, false, &stop);
  ASSERT_EQ(stopped.position.global_step, 10);

  // Stopped again (not finished), so the last leg can resume too.
  stop = false;
  RecordingReporter on_cpu;
  on_cpu.stop_after_step = 20;
  on_cpu.stop_flag = &stop;
  auto cpu_result = train(microConfig(dir, {"train.device=cpu"}), dir.path() / "run", on_cpu, /*resume=*/true, &stop);
  ASSERT_TRUE(on_cpu.hasEvent("resume"));
  EXPECT_EQ(cpu_result.position.global_step, 20);

  RecordingReporter back_on_gpu;
  auto gpu_result = train(microConfig(dir, {"train.device=cuda", "train.max_steps=30"}), dir.path() / "run",
                          back_on_gpu, /*resume=*/true);
  ASSERT_TRUE(back_on_gpu.hasEvent("resume"));
  EXPECT_EQ(gpu_result.position.global_step, 30);
  EXPECT_TRUE(std::isfinite(scalarOr(back_on_gpu.steps.back().scalars, "loss", NAN)));
}

}  // namespace
}  // namespace cog::worker
