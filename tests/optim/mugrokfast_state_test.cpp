// Optimizer state survives save/load bit for bit; bad checkpoints and bad options are
// rejected with errors that name what to fix.
#include <gtest/gtest.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <cmath>
#include <cstdio>
#include <functional>

#include "common/error.hpp"
#include "optim/mugrokfast.hpp"

namespace cog::optim {
namespace {

std::vector<NamedParameter> makeParams(int64_t wqCols = 6) {
  return {{"blocks.0.attn.wq.weight", torch::randn({8, wqCols})},
          {"blocks.0.mlp.w2.weight", torch::randn({6, 12})},
          {"tok_emb.weight", torch::randn({10, 6})},
          {"blocks.0.norm1.weight", torch::ones({6})},
          {"blocks.0.mlp.w1.bias", torch::zeros({12})}};
}

std::vector<NamedParameter> cloneParams(const std::vector<NamedParameter>& params) {
  std::vector<NamedParameter> out;
  for (const NamedParameter& p : params) out.push_back({p.name, p.tensor.clone()});
  return out;
}

// Deterministic gradients that differ per parameter and per step.
void setGrads(std::vector<NamedParameter>& params, int step) {
  for (size_t i = 0; i < params.size(); ++i) {
    const torch::Tensor& t = params[i].tensor;
    t.mutable_grad() =
        torch::sin(torch::arange(t.numel(), torch::kFloat) * (0.3 * step + 0.07 * i) + step)
            .view_as(t);
  }
}

MuGrokfastOptions richOptions() {
  MuGrokfastOptions opts;
  opts.weight_decay = 0.01;
  opts.grokfast_lambda = 0.2;  // so the EMAs are part of the state
  return opts;
}

std::string tempPath(const std::string& name) {
  return ::testing::TempDir() + "cog_optim_" + name + ".pt";
}

TEST(OptimMuGrokfastState, SaveLoadMidRunGivesBitwiseIdenticalParameters) {
  torch::manual_seed(11);
  std::vector<NamedParameter> a = makeParams();
  MuGrokfast original(a, richOptions());
  for (int step = 1; step <= 3; ++step) {
    setGrads(a, step);
    original.step();
  }
  original.setLrScale(0.5);  // load must restore it: the resumed optimizer never sets it
  const std::string path = tempPath("roundtrip");
  {
    torch::serialize::OutputArchive archive;
    original.save(archive);
    archive.save_to(path);
  }
  std::vector<NamedParameter> b = cloneParams(a);
  MuGrokfast resumed(b, richOptions());
  {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    resumed.load(archive);
  }
  std::remove(path.c_str());
  EXPECT_EQ(resumed.stepCount(), 3);
  EXPECT_DOUBLE_EQ(resumed.lrScale(), 0.5);

  for (int step = 4; step <= 7; ++step) {
    setGrads(a, step);
    setGrads(b, step);
    original.step();
    resumed.step();
  }
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(torch::equal(a[i].tensor, b[i].tensor)) << a[i].name << " diverged after load";
  }

  // Control: without the state (fresh momentum, moments, EMAs) the runs differ, so the
  // check above can fail.
  std::vector<NamedParameter> c = cloneParams(a);
  std::vector<NamedParameter> d = cloneParams(a);
  MuGrokfast warm(c, richOptions());
  for (int step = 1; step <= 2; ++step) {
    setGrads(c, step);
    warm.step();
  }
  MuGrokfast cold(d, richOptions());
  setGrads(d, 2);
  cold.step();
  EXPECT_FALSE(torch::equal(c[0].tensor, d[0].tensor));
}

std::string checkpointErrorOf(const std::function<void(torch::serialize::InputArchive&)>& load,
                              const std::string& name) {
  torch::manual_seed(12);
  std::vector<NamedParameter> params = makeParams();
  MuGrokfast saved(params, richOptions());
  setGrads(params, 1);
  saved.step();
  const std::string path = tempPath(name);
  torch::serialize::OutputArchive out;
  saved.save(out);
  out.save_to(path);
  torch::serialize::InputArchive in;
  in.load_from(path);
  std::remove(path.c_str());
  try {
    load(in);
  } catch (const CheckpointError& e) {
    return e.what();
  }
  return "no error";
}

TEST(OptimMuGrokfastState, WrongShapeThrowsCheckpointErrorNamingTheParameter) {
  std::vector<NamedParameter> other = makeParams(/*wqCols=*/7);
  MuGrokfast optimizer(other, richOptions());
  const std::string error = checkpointErrorOf([&](auto& in) { optimizer.load(in); }, "wrong_shape");
  EXPECT_NE(error.find("blocks.0.attn.wq.weight"), std::string::npos) << error;
  EXPECT_NE(error.find("shape"), std::string::npos) << error;
  EXPECT_EQ(optimizer.stepCount(), 0) << "a failed load must leave the optimizer untouched";
}

TEST(OptimMuGrokfastState, WrongParameterCountOrNameThrowsCheckpointError) {
  std::vector<NamedParameter> fewer = makeParams();
  fewer.pop_back();
  MuGrokfast shorter(fewer, richOptions());
  EXPECT_NE(checkpointErrorOf([&](auto& in) { shorter.load(in); }, "count").find("parameters"),
            std::string::npos);

  std::vector<NamedParameter> renamed = makeParams();
  renamed[1].name = "blocks.0.mlp.w3.weight";
  MuGrokfast other(renamed, richOptions());
  EXPECT_NE(
      checkpointErrorOf([&](auto& in) { other.load(in); }, "name").find("blocks.0.mlp.w3.weight"),
      std::string::npos);
}

// Each bad value must produce a ConfigError naming its optim.<field> key.
TEST(OptimMuGrokfastOptions, ValidationErrorsNameTheKey) {
  const std::vector<std::pair<std::string, std::function<void(MuGrokfastOptions&)>>> cases = {
      {"optim.muon_lr", [](auto& o) { o.muon_lr = -0.02; }},
      {"optim.fallback_lr", [](auto& o) { o.fallback_lr = std::nan(""); }},
      {"optim.momentum", [](auto& o) { o.momentum = 1.0; }},
      {"optim.ns_steps", [](auto& o) { o.ns_steps = 0; }},
      {"optim.weight_decay", [](auto& o) { o.weight_decay = -0.1; }},
      {"optim.muon_weight_decay", [](auto& o) { o.muon_weight_decay = -1.0; }},
      {"optim.fallback_weight_decay", [](auto& o) { o.fallback_weight_decay = INFINITY; }},
      {"optim.adam_beta1", [](auto& o) { o.adam_beta1 = -0.1; }},
      {"optim.adam_beta2", [](auto& o) { o.adam_beta2 = 1.5; }},
      {"optim.adam_eps", [](auto& o) { o.adam_eps = 0.0; }},
      {"optim.grokfast_alpha", [](auto& o) { o.grokfast_alpha = 1.0; }},
      {"optim.grokfast_lambda", [](auto& o) { o.grokfast_lambda = -0.05; }},
  };
  EXPECT_NO_THROW(MuGrokfastOptions().validate());
  for (const auto& [key, breakIt] : cases) {
    MuGrokfastOptions opts;
    breakIt(opts);
    try {
      opts.validate();
      ADD_FAILURE() << key << ": no ConfigError";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(key + " = "), std::string::npos) << e.what();
    }
    EXPECT_THROW(MuGrokfast({{"w", torch::ones({2, 2})}}, opts), ConfigError) << key;
  }
}

TEST(OptimMuGrokfastOptions, PerGroupWeightDecayOverridesTheShared) {
  MuGrokfastOptions opts;
  opts.weight_decay = 0.1;
  opts.fallback_weight_decay = 0.0;
  EXPECT_DOUBLE_EQ(opts.weightDecay(ParamGroupKind::kMuon), 0.1);
  EXPECT_DOUBLE_EQ(opts.weightDecay(ParamGroupKind::kFallback), 0.0);
}

}  // namespace
}  // namespace cog::optim
