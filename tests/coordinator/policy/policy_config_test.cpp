// Parsing the `policies:` section: defaults, values, and errors that name the key path.
#include "coordinator/policy/policy_config.hpp"

#include <gtest/gtest.h>

namespace cog::coord {
namespace {

PolicyConfig parse(const std::string& yaml) {
  YamlFields policies(YAML::Load(yaml), "policies", "exp.yaml");
  return parsePolicyConfig(policies);
}

// The ConfigError message for `yaml`, or "" when it parses.
std::string errorOf(const std::string& yaml) {
  try {
    parse(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(PolicyConfig, EmptySectionGivesTheDefaults) {
  const PolicyConfig c = parse("");
  EXPECT_TRUE(c.early_stopping.enabled);
  EXPECT_EQ(c.early_stopping.patience, 3);
  EXPECT_DOUBLE_EQ(c.early_stopping.min_delta, 0.01);
  EXPECT_DOUBLE_EQ(c.divergence.grad_norm_limit, 10);
  EXPECT_EQ(c.divergence.grad_norm_reports, 3);
  EXPECT_EQ(c.divergence.grad_norm_warmup_steps, 100);
  EXPECT_DOUBLE_EQ(c.divergence.loss_ema_alpha, 0.1);
  EXPECT_EQ(c.divergence.loss_ema_warmup_reports, 5);
  EXPECT_DOUBLE_EQ(c.divergence.loss_rise_ratio, 1.15);
  EXPECT_EQ(c.divergence.loss_rise_reports, 5);
  EXPECT_DOUBLE_EQ(c.divergence.distinct_1_min, 0);
  EXPECT_DOUBLE_EQ(c.divergence.top_token_share_max, 0.9);
  EXPECT_EQ(c.relaunch.max_relaunches, 3);
  EXPECT_DOUBLE_EQ(c.relaunch.lr_factor, 0.5);
  EXPECT_DOUBLE_EQ(c.relaunch.grokfast_lambda_factor, 0.4);
  EXPECT_TRUE(c.relaunch.fresh_warmup);
  EXPECT_EQ(c.restart.max_restarts, 5);
  EXPECT_DOUBLE_EQ(c.restart.heartbeat_timeout_s, 30);
}

TEST(PolicyConfig, ReadsEverySection) {
  const PolicyConfig c = parse(R"(
early_stopping: {enabled: false, patience: 5, min_delta: 0.001}
divergence:
  enabled: true
  grad_norm_limit: 20
  grad_norm_reports: 2
  grad_norm_warmup_steps: 0
  loss_ema_alpha: 0.3
  loss_ema_warmup_reports: 0
  loss_rise_ratio: 1.3
  loss_rise_reports: 4
  distinct_1_min: 0.1
  top_token_share_max: 0.8
relaunch: {max_relaunches: 1, lr_factor: 0.3, grokfast_lambda_factor: 0, fresh_warmup: false}
restart: {max_restarts: 0, heartbeat_timeout_s: 2.5}
)");
  EXPECT_FALSE(c.early_stopping.enabled);
  EXPECT_EQ(c.early_stopping.patience, 5);
  EXPECT_DOUBLE_EQ(c.early_stopping.min_delta, 0.001);
  EXPECT_DOUBLE_EQ(c.divergence.grad_norm_limit, 20);
  EXPECT_EQ(c.divergence.grad_norm_reports, 2);
  EXPECT_EQ(c.divergence.grad_norm_warmup_steps, 0);
  EXPECT_DOUBLE_EQ(c.divergence.loss_ema_alpha, 0.3);
  EXPECT_EQ(c.divergence.loss_ema_warmup_reports, 0);
  EXPECT_DOUBLE_EQ(c.divergence.loss_rise_ratio, 1.3);
  EXPECT_EQ(c.divergence.loss_rise_reports, 4);
  EXPECT_DOUBLE_EQ(c.divergence.distinct_1_min, 0.1);
  EXPECT_DOUBLE_EQ(c.divergence.top_token_share_max, 0.8);
  EXPECT_EQ(c.relaunch.max_relaunches, 1);
  EXPECT_DOUBLE_EQ(c.relaunch.lr_factor, 0.3);
  EXPECT_DOUBLE_EQ(c.relaunch.grokfast_lambda_factor, 0);
  EXPECT_FALSE(c.relaunch.fresh_warmup);
  EXPECT_EQ(c.restart.max_restarts, 0);
  EXPECT_DOUBLE_EQ(c.restart.heartbeat_timeout_s, 2.5);
}

TEST(PolicyConfig, UnknownKeysAreNamedWithTheirPath) {
  const auto nested = errorOf("divergence:\n  grad_norm_limt: 5\n");
  EXPECT_NE(nested.find("exp.yaml:2: unknown key policies.divergence.grad_norm_limt"),
            std::string::npos)
      << nested;
  EXPECT_NE(nested.find("grad_norm_limit"), std::string::npos) << nested;  // lists the known keys

  const auto top = errorOf("early_stop: {patience: 2}\n");
  EXPECT_NE(top.find("unknown key policies.early_stop "), std::string::npos) << top;
}

TEST(PolicyConfig, OutOfRangeValuesNameKeyAndValue) {
  const auto patience = errorOf("early_stopping:\n  patience: -1\n");
  EXPECT_NE(patience.find("exp.yaml:2: policies.early_stopping.patience = -1: must be >= 1"),
            std::string::npos)
      << patience;
  EXPECT_NE(errorOf("early_stopping: {patience: abc}")
                .find("policies.early_stopping.patience = abc: expected an integer"),
            std::string::npos);
  EXPECT_NE(
      errorOf("early_stopping: {min_delta: -0.1}").find("policies.early_stopping.min_delta = -0.1"),
      std::string::npos);
  EXPECT_NE(errorOf("divergence: {loss_rise_ratio: 1.0}")
                .find("policies.divergence.loss_rise_ratio = 1.0: must be > 1"),
            std::string::npos);
  EXPECT_NE(errorOf("divergence: {grad_norm_warmup_steps: -5}")
                .find("policies.divergence.grad_norm_warmup_steps = -5: must be >= 0"),
            std::string::npos);
  EXPECT_NE(
      errorOf("divergence: {loss_ema_alpha: 0}").find("policies.divergence.loss_ema_alpha = 0"),
      std::string::npos);
  EXPECT_NE(
      errorOf("divergence: {grad_norm_limit: .nan}").find("policies.divergence.grad_norm_limit"),
      std::string::npos);
  EXPECT_NE(errorOf("divergence: {top_token_share_max: 1.5}")
                .find("policies.divergence.top_token_share_max = 1.5"),
            std::string::npos);
  EXPECT_NE(errorOf("relaunch: {lr_factor: 2}")
                .find("policies.relaunch.lr_factor = 2: must be in (0, 1]"),
            std::string::npos);
  EXPECT_NE(errorOf("relaunch: {max_relaunches: -2}").find("policies.relaunch.max_relaunches = -2"),
            std::string::npos);
  EXPECT_NE(errorOf("restart: {heartbeat_timeout_s: 0}")
                .find("policies.restart.heartbeat_timeout_s = 0: must be a finite number in [1 s, 86400 s]"),
            std::string::npos);
  EXPECT_NE(errorOf("restart: 5").find("policies.restart must be a mapping"), std::string::npos);
}

}  // namespace
}  // namespace cog::coord
