// Every parameter lands in exactly one group, by classifyParameter's documented rule.
#include "optim/param_groups.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace cog::optim {
namespace {

struct Case {
  std::string name;
  std::vector<int64_t> shape;
  ParamGroupKind expected;
};

constexpr ParamGroupKind kMuon = ParamGroupKind::kMuon;
constexpr ParamGroupKind kFallback = ParamGroupKind::kFallback;

// Names as the Cognate model reports them (lm_head is tied to tok_emb, so absent).
std::vector<Case> cognateCases() {
  return {
      {"tok_emb.weight", {256, 64}, kFallback},  // embedding table
      {"pos_emb.weight", {128, 64}, kFallback},  // learned positions
      {"blocks.0.attn.wq.weight", {64, 64}, kMuon},
      {"blocks.0.attn.wk.weight", {64, 64}, kMuon},
      {"blocks.0.attn.wv.weight", {64, 64}, kMuon},
      {"blocks.0.attn.wo.weight", {64, 64}, kMuon},
      {"blocks.0.norm1.weight", {64}, kFallback},  // RMSNorm gain
      {"blocks.0.norm2.weight", {64}, kFallback},
      {"blocks.0.mlp.w1.weight", {256, 64}, kMuon},  // tall
      {"blocks.0.mlp.w2.weight", {64, 256}, kMuon},  // wide
      {"blocks.0.mlp.w3.weight", {256, 64}, kMuon},
      {"blocks.0.mlp.w1.bias", {256}, kFallback},
      {"blocks.1.attn.wq.weight", {64, 64}, kMuon},
      {"ltm.w_down.weight", {32, 64}, kMuon},
      {"ltm.w_up.weight", {64, 32}, kMuon},
      {"mag.w_c.weight", {64, 128}, kMuon},
      {"mag.w_gate.weight", {64, 64}, kFallback},  // 2-D but a gate
      {"trm.cross_attn.wq.weight", {64, 64}, kMuon},
      {"trm.norm_z.weight", {64}, kFallback},
      {"halt.weight", {1, 64}, kFallback},  // halting head
      {"halt.bias", {1}, kFallback},
      {"final_norm.weight", {64}, kFallback},
      {"lm_head.weight", {256, 64}, kFallback},  // if an untied model passes it
      {"probe.weight", {1, 64}, kFallback},      // a row vector is no matrix
      {"column.weight", {64, 1}, kFallback},
      {"conv.weight", {8, 4, 3}, kMuon},  // >2-D, viewed as 8 x 12
      {"temperature", {}, kFallback},     // scalar
  };
}

TEST(OptimParamGroups, ClassifyFollowsTheRuleForEveryCognateParameter) {
  for (const Case& c : cognateCases()) {
    EXPECT_EQ(classifyParameter(c.name, torch::zeros(c.shape)), c.expected)
        << c.name << " should be " << paramGroupKindName(c.expected);
  }
}

TEST(OptimParamGroups, EveryParameterLandsInExactlyOneGroup) {
  std::vector<NamedParameter> params;
  for (const Case& c : cognateCases()) params.push_back({c.name, torch::zeros(c.shape)});
  const ParamGroups groups = groupParameters(params);
  ASSERT_EQ(groups.muon.size() + groups.fallback.size(), params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    int found = 0;
    for (ParamGroupKind kind : {kMuon, kFallback}) {
      for (const NamedParameter& p : groups.of(kind)) {
        if (p.tensor.is_same(params[i].tensor)) {
          ++found;
          EXPECT_EQ(kind, cognateCases()[i].expected) << params[i].name;
          EXPECT_EQ(p.name, params[i].name);
        }
      }
    }
    EXPECT_EQ(found, 1) << params[i].name;
  }
  EXPECT_EQ(groups.muon.size(), 13u);
  // Order within a group follows the input order (checkpoints rely on a stable order).
  EXPECT_EQ(groups.muon.front().name, "blocks.0.attn.wq.weight");
  EXPECT_EQ(groups.fallback.front().name, "tok_emb.weight");
}

TEST(OptimParamGroups, RejectsTheSameTensorTwice) {
  const torch::Tensor shared = torch::zeros({256, 64});
  const std::vector<NamedParameter> params = {{"tok_emb.weight", shared},
                                              {"blocks.0.attn.wq.weight", torch::zeros({8, 8})},
                                              {"lm_head.weight", shared}};
  try {
    groupParameters(params);
    FAIL() << "a parameter listed twice must be rejected";
  } catch (const InvariantError& e) {
    EXPECT_NE(std::string(e.what()).find("lm_head.weight"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("tok_emb.weight"), std::string::npos) << e.what();
  }
}

TEST(OptimParamGroups, RejectsUndefinedTensor) {
  EXPECT_THROW(groupParameters({{"blocks.0.attn.wq.weight", torch::Tensor()}}), InvariantError);
}

}  // namespace
}  // namespace cog::optim
