// train.device / train.precision: parsed and checked once, resolved against the GPUs
// visible (injected here, so every case runs on a CPU-only machine), and the CPU path of
// the trainer left as it was. The CUDA side runs in trainer_gpu_test.cpp (label gpu).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <functional>

#include "common/error.hpp"
#include "recording_reporter.hpp"
#include "worker/config/worker_config.hpp"
#include "worker/train_device.hpp"
#include "worker/trainer.hpp"
#include "worker_test_util.hpp"

namespace cog::worker {
namespace {

using testing::errorOf;

WorkerConfig microConfig(const testing::ScratchDir& dir, const std::vector<std::string>& overrides = {}) {
  return loadWorkerConfig(dir.write("micro.yaml", testing::microConfigYaml()), overrides);
}

TEST(TrainDevice, KeysDefaultToAutoAndFp32AndParse) {
  testing::ScratchDir dir("device_keys");
  auto defaults = microConfig(dir);
  EXPECT_EQ(defaults.train.device, "auto");
  EXPECT_EQ(defaults.train.precision, "fp32");
  auto set = microConfig(dir, {"train.device=cuda", "train.precision=bf16"});
  EXPECT_EQ(set.train.device, "cuda");
  EXPECT_EQ(set.train.precision, "bf16");
  EXPECT_EQ(microConfig(dir, {"train.device=cpu"}).train.device, "cpu");
}

TEST(TrainDevice, BadValuesNameFileKeyAndTheChoices) {
  testing::ScratchDir dir("device_bad");
  auto device = errorOf<ConfigError>([&] { microConfig(dir, {"train.device=gpu"}); });
  EXPECT_NE(device.find("micro.yaml"), std::string::npos) << device;
  EXPECT_NE(device.find("train.device = gpu: expected auto, cpu or cuda"), std::string::npos) << device;
  auto precision = errorOf<ConfigError>([&] { microConfig(dir, {"train.precision=fp16"}); });
  EXPECT_NE(precision.find("train.precision = fp16: expected fp32 or bf16"), std::string::npos) << precision;
}

TEST(TrainDevice, AutoPicksTheCpuWithoutGpusAndTheLocalRanksGpuWithThem) {
  testing::ScratchDir dir("device_auto");
  auto config = microConfig(dir, {"train.precision=bf16"});
  auto cpu = resolveTrainDevice(microConfig(dir), 0, 0);
  EXPECT_TRUE(cpu.device.is_cpu());
  EXPECT_FALSE(cpu.bf16_autocast);
  EXPECT_TRUE(cpu.note.empty());

  auto gpu = resolveTrainDevice(config, 1, 2);
  EXPECT_EQ(gpu.device, torch::Device(torch::kCUDA, 1));
  EXPECT_TRUE(gpu.bf16_autocast);
  EXPECT_EQ(gpu.describe(), "cuda:1, bf16 autocast");
  // A launcher that gives each rank its own GPU leaves one visible: index 0 for every rank.
  EXPECT_EQ(resolveTrainDevice(config, 3, 1).device, torch::Device(torch::kCUDA, 0));
  EXPECT_EQ(resolveTrainDevice(microConfig(dir), 0, 1).describe(), "cuda:0, fp32");
}

TEST(TrainDevice, CudaWithoutAGpuAndMoreRanksThanGpusAreClearConfigErrors) {
  testing::ScratchDir dir("device_cuda");
  auto config = microConfig(dir, {"train.device=cuda"});
  auto none = errorOf<ConfigError>([&] { resolveTrainDevice(config, 0, 0); });
  EXPECT_NE(none.find("micro.yaml: train.device = cuda"), std::string::npos) << none;
  EXPECT_NE(none.find("sees no CUDA device"), std::string::npos) << none;
  EXPECT_NE(none.find("train.device=auto or cpu"), std::string::npos) << "says what to do: " << none;

  auto crowded = errorOf<ConfigError>([&] { resolveTrainDevice(config, 2, 2); });
  EXPECT_NE(crowded.find("local rank 2 needs GPU 2, but only 2 are visible"), std::string::npos) << crowded;
}

TEST(TrainDevice, Bf16OnTheCpuIsRefusedWhenAskedForAndFallsBackUnderAuto) {
  testing::ScratchDir dir("device_bf16");
  auto refused = errorOf<ConfigError>(
      [&] { resolveTrainDevice(microConfig(dir, {"train.device=cpu", "train.precision=bf16"}), 0, 4); });
  EXPECT_NE(refused.find("train.precision = bf16 needs train.device = cuda"), std::string::npos) << refused;

  auto fallback = resolveTrainDevice(microConfig(dir, {"train.precision=bf16"}), 0, 0);
  EXPECT_TRUE(fallback.device.is_cpu());
  EXPECT_FALSE(fallback.bf16_autocast);
  EXPECT_NE(fallback.note.find("fp32 on the CPU"), std::string::npos) << fallback.note;
}

// The real query, whichever machine runs it: auto follows LibTorch's view of the GPUs,
// and cuda either gets GPU 0 or the error above.
TEST(TrainDevice, OnThisMachineAutoAndCudaFollowWhatLibTorchSees) {
  testing::ScratchDir dir("device_here");
  const bool have_gpu = torch::cuda::is_available();
  EXPECT_EQ(resolveTrainDevice(microConfig(dir), 0).device.is_cuda(), have_gpu);
  auto cuda = microConfig(dir, {"train.device=cuda"});
  if (have_gpu) {
    EXPECT_EQ(resolveTrainDevice(cuda, 0).device, torch::Device(torch::kCUDA, 0));
  } else {
    EXPECT_THROW(resolveTrainDevice(cuda, 0), ConfigError);
  }
}

std::vector<double> stepLosses(const testing::RecordingReporter& reporter) {
  std::vector<double> losses;
  for (const auto& step : reporter.steps) losses.push_back(scalarOr(step.scalars, "loss", NAN));
  return losses;
}

testing::RecordingReporter trainOnCpu(const WorkerConfig& config, const std::filesystem::path& run_dir,
                                      const TrainDevice& device) {
  torch::set_num_threads(1);
  testing::RecordingReporter reporter;
  RunContext context;
  context.run_dir = run_dir;
  context.device = device;
  Trainer(config, context, reporter).run();
  return reporter;
}

// bf16 under auto on a machine without GPUs trains exactly the fp32 CPU run (bitwise), and
// says so in a `device` event; a plain CPU run reports no such event.
TEST(TrainDevice, Bf16FallbackTrainsTheFp32CpuRunBitwiseAndSaysSo) {
  testing::ScratchDir dir("device_fallback");
  auto plain_config = microConfig(dir, {"train.max_steps=6"});
  auto plain = trainOnCpu(plain_config, dir.path() / "plain", resolveTrainDevice(plain_config, 0, 0));
  auto bf16_config = microConfig(dir, {"train.max_steps=6", "train.precision=bf16"});
  auto fallback = trainOnCpu(bf16_config, dir.path() / "bf16", resolveTrainDevice(bf16_config, 0, 0));

  ASSERT_EQ(plain.steps.size(), 6u);
  EXPECT_EQ(stepLosses(plain), stepLosses(fallback));
  EXPECT_FALSE(plain.hasEvent("device"));
  const auto* event = fallback.findEvent("device");
  ASSERT_NE(event, nullptr);
  EXPECT_NE(event->detail.find("cpu, fp32: train.precision = bf16"), std::string::npos) << event->detail;
}

TEST(TrainDevice, TrainerRefusesACudaConfigGivenTheDefaultCpuContext) {
  testing::ScratchDir dir("device_unresolved");
  auto config = microConfig(dir, {"train.device=cuda", "train.max_steps=1"});
  auto message = errorOf<InvariantError>([&] { trainOnCpu(config, dir.path() / "run", TrainDevice{}); });
  EXPECT_NE(message.find("resolveTrainDevice"), std::string::npos) << message;
}

}  // namespace
}  // namespace cog::worker
