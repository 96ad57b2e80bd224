// The optimizer's grouping and weight-decay rules on the parameter names the Cognate model
// really has, for every variant: a renamed module must not silently move to the wrong group
// or start decaying a gain.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <regex>

#include "model/cognate.hpp"
#include "model/model_config.hpp"
#include "optim/param_groups.hpp"
#include "worker/named_parameters.hpp"

namespace cog::worker {
namespace {

using optim::ParamGroupKind;

struct Rule {
  const char* pattern;  // a regex over the full parameter name
  ParamGroupKind group;
  bool decays;
};

// Every parameter of every variant matches exactly one rule, and every rule matches.
const std::vector<Rule>& expectedRules() {
  static const std::vector<Rule> rules = {
      {R"(tok_emb\.weight)", ParamGroupKind::kFallback, false},  // also the tied LM head
      {R"(pos_emb\.weight)", ParamGroupKind::kFallback, false},
      {R"(blocks\.\d+\.norm[12]\.weight)", ParamGroupKind::kFallback, false},
      {R"(blocks\.\d+\.attn\.w[qkvo]\.weight)", ParamGroupKind::kMuon, true},
      {R"(blocks\.\d+\.mlp\.w_(in|up|down)\.weight)", ParamGroupKind::kMuon, true},
      {R"(memory\.w_(down|up)\.weight)", ParamGroupKind::kMuon, true},
      {R"(mag\.gate_(in|out)\.weight)", ParamGroupKind::kFallback, true},
      {R"(mag\.gate_(in|out)\.bias)", ParamGroupKind::kFallback, false},
      {R"(refiner\.norm_(self|query|answer|mlp|update_y|update_z)\.weight)", ParamGroupKind::kFallback, false},
      {R"(refiner\.(self_attn|cross_attn)\.w[qkvo]\.weight)", ParamGroupKind::kMuon, true},
      {R"(refiner\.mlp\.w_(in|up|down)\.weight)", ParamGroupKind::kMuon, true},
      {R"(refiner\.update\.weight)", ParamGroupKind::kMuon, true},
      {R"(halt\.weight)", ParamGroupKind::kFallback, true},  // [1, d]: a row, no matrix for Muon
      {R"(halt\.bias)", ParamGroupKind::kFallback, false},
      {R"(final_norm\.weight)", ParamGroupKind::kFallback, false},
  };
  return rules;
}

TEST(ModelParamGroups, EveryRealParameterOfEveryVariantIsGroupedAndDecayedByItsRule) {
  for (const std::string& variant : model::variantNames()) {
    auto net = model::makeCognateModel(model::makeModelConfig("tiny", variant));
    const auto params = namedParameters(*net);
    std::vector<int> rule_hits(expectedRules().size(), 0);
    for (const auto& p : params) {
      int matched = 0;
      for (size_t r = 0; r < expectedRules().size(); ++r) {
        const Rule& rule = expectedRules()[r];
        if (!std::regex_match(p.name, std::regex(rule.pattern))) continue;
        ++matched;
        ++rule_hits[r];
        EXPECT_EQ(optim::classifyParameter(p.name, p.tensor), rule.group)
            << variant << ": " << p.name << " should be " << optim::paramGroupKindName(rule.group);
        EXPECT_EQ(optim::decaysWeight(p.name, p.tensor), rule.decays)
            << variant << ": " << p.name << (rule.decays ? " should" : " should not") << " decay";
      }
      EXPECT_EQ(matched, 1) << variant << ": " << p.name << " matched " << matched << " rules";
    }
    for (size_t r = 0; r < rule_hits.size(); ++r) {
      EXPECT_GT(rule_hits[r], 0) << variant << ": no parameter matches " << expectedRules()[r].pattern;
    }
    // groupParameters accepts the real list (the tied LM head appears once).
    const auto groups = optim::groupParameters(params);
    EXPECT_EQ(groups.muon.size() + groups.fallback.size(), params.size()) << variant;
  }
}

// The residual output projections, by their real names: attention outputs, MLP down
// projections (in the blocks and the refiner) and the refiner's answer update.
bool isResidualOutput(const std::string& name) {
  return std::regex_match(
      name, std::regex(R"((blocks\.\d+\.attn|refiner\.(self|cross)_attn)\.wo\.weight|(blocks\.\d+|refiner)\.mlp\.w_down\.weight|refiner\.update\.weight)"));
}

// GPT-2's initialisation scales residual output projections by 1/sqrt(2L); the memory's
// input projection (memory.w_down) is not one and keeps the plain 0.02.
TEST(ModelParamGroups, OnlyResidualOutputProjectionsGetTheScaledInitialisation) {
  auto config = model::makeModelConfig("tiny", "reasoning");
  auto net = model::makeCognateModel(config);
  const double plain = 0.02;
  const double residual = 0.02 / std::sqrt(2.0 * static_cast<double>(config.n_layers));
  ASSERT_LT(residual, plain * 0.8) << "the test needs the two scales to differ clearly";
  for (const auto& p : namedParameters(*net)) {
    if (p.tensor.dim() < 2 || p.name.find("emb") != std::string::npos) continue;
    const double expected = isResidualOutput(p.name) ? residual : plain;
    const double std = p.tensor.std().item<double>();
    // Thousands of draws per matrix: the sample std is within a few percent of the true one.
    EXPECT_NEAR(std, expected, 0.12 * expected) << p.name;
  }
}

// model.residual_init: zero starts exactly those projections at zero (every block the
// identity at step 0) and leaves every other matrix as the scaled initialisation draws it.
TEST(ModelParamGroups, ZeroResidualInitZeroesOnlyTheResidualOutputProjections) {
  for (const auto& variant : model::variantNames()) {
    auto config = model::makeModelConfig("tiny", variant);
    auto scaled = model::makeCognateModel(config);
    config.residual_init = "zero";
    auto zeroed = model::makeCognateModel(config);
    int64_t residual_outputs = 0;
    const auto reference = namedParameters(*scaled);
    const auto params = namedParameters(*zeroed);
    ASSERT_EQ(params.size(), reference.size());
    for (size_t i = 0; i < params.size(); ++i) {
      const auto& p = params[i];
      if (isResidualOutput(p.name)) {
        ++residual_outputs;
        EXPECT_EQ(p.tensor.abs().max().item<float>(), 0.0f) << variant << " " << p.name;
      } else {
        EXPECT_TRUE(torch::equal(p.tensor, reference[i].tensor)) << variant << " " << p.name << " should be unchanged";
      }
    }
    EXPECT_EQ(residual_outputs, 2 * config.n_layers + 4) << variant << ": wo and w_down per block, the refiner's two "
                                                             "wo, its w_down and its update";
  }
}

}  // namespace
}  // namespace cog::worker
