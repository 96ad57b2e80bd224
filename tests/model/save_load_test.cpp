#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "model/cognate.hpp"
#include "model_test_util.hpp"

namespace cog::model {
namespace {

void expectReloadedModelGivesBitwiseIdenticalLogits(const std::string& spec) {
  SCOPED_TRACE(spec);
  auto config = testing::smallConfig(spec);
  auto original = makeCognateModel(config);
  original->eval();
  const auto path = std::filesystem::temp_directory_path() /
                    ("cog_save_load_" + std::to_string(::getpid()) + ".pt");
  {
    torch::serialize::OutputArchive archive;
    original->save(archive);
    archive.save_to(path.string());
  }
  auto other_config = config;
  other_config.seed = config.seed + 1;  // different initial weights, so loading must overwrite
  auto reloaded = makeCognateModel(other_config);
  reloaded->eval();
  auto tokens = testing::randomTokens(2, 20, config.vocab_size, 3);
  torch::NoGradGuard no_grad;
  ASSERT_FALSE(torch::equal(original->inferLogits(tokens), reloaded->inferLogits(tokens)));
  {
    torch::serialize::InputArchive archive;
    archive.load_from(path.string());
    reloaded->load(archive);
  }
  std::filesystem::remove(path);
  EXPECT_TRUE(torch::equal(original->inferLogits(tokens), reloaded->inferLogits(tokens)));
  auto a = original->forward(tokens);
  auto b = reloaded->forward(tokens);
  for (size_t t = 0; t < a.step_hidden.size(); ++t) {
    EXPECT_TRUE(torch::equal(a.step_hidden[t], b.step_hidden[t])) << "step " << t;
  }
}

TEST(SaveLoad, ReloadedModelGivesBitwiseIdenticalLogits) {
  expectReloadedModelGivesBitwiseIdenticalLogits("memory");
  // With RoPE there is no pos_emb: the archive holds exactly the parameters the model has.
  expectReloadedModelGivesBitwiseIdenticalLogits("memory+rope");
}

TEST(SaveLoad, SameSeedBuildsTheSameModelAndVariantsDiffer) {
  auto a = makeCognateModel(testing::smallConfig("reasoning"));
  auto b = makeCognateModel(testing::smallConfig("reasoning"));
  auto c = makeCognateModel(testing::smallConfig("speed"));
  EXPECT_TRUE(torch::equal(a->tok_emb->weight, b->tok_emb->weight));
  EXPECT_FALSE(torch::equal(a->tok_emb->weight, c->tok_emb->weight));
}

}  // namespace
}  // namespace cog::model
