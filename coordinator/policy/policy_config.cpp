#include "coordinator/policy/policy_config.hpp"

#include <string>

namespace cog::coord {
namespace {

// Each check names the value as written in the file, so the message shows what to fix.
void requireAtLeast(YamlFields& f, const std::string& key, double value, int low) {
  if (!(value >= low)) f.fail(key, f.rawValue(key) + ": must be >= " + std::to_string(low));
}

void requirePositive(YamlFields& f, const std::string& key, double value) {
  if (!(value > 0)) f.fail(key, f.rawValue(key) + ": must be > 0");
}

void requireFraction(YamlFields& f, const std::string& key, double value, const char* range,
                     bool zero_ok) {
  const bool ok = (zero_ok ? value >= 0 : value > 0) && value <= 1;
  if (!ok) f.fail(key, f.rawValue(key) + ": must be in " + range);
}

EarlyStoppingConfig parseEarlyStopping(YamlFields f) {
  EarlyStoppingConfig c;
  f.optional("enabled", c.enabled);
  f.optional("patience", c.patience);
  f.optional("min_delta", c.min_delta);
  f.rejectUnknownKeys();
  requireAtLeast(f, "patience", c.patience, 1);
  requireAtLeast(f, "min_delta", c.min_delta, 0);
  return c;
}

DivergenceConfig parseDivergence(YamlFields f) {
  DivergenceConfig c;
  f.optional("enabled", c.enabled);
  f.optional("grad_norm_limit", c.grad_norm_limit);
  f.optional("grad_norm_reports", c.grad_norm_reports);
  f.optional("grad_norm_warmup_steps", c.grad_norm_warmup_steps);
  f.optional("loss_ema_alpha", c.loss_ema_alpha);
  f.optional("loss_ema_warmup_reports", c.loss_ema_warmup_reports);
  f.optional("loss_rise_ratio", c.loss_rise_ratio);
  f.optional("loss_rise_reports", c.loss_rise_reports);
  f.optional("distinct_1_min", c.distinct_1_min);
  f.optional("top_token_share_max", c.top_token_share_max);
  f.optional("empty_answer_share_max", c.empty_answer_share_max);
  f.rejectUnknownKeys();
  requirePositive(f, "grad_norm_limit", c.grad_norm_limit);
  requireAtLeast(f, "grad_norm_reports", c.grad_norm_reports, 1);
  requireAtLeast(f, "grad_norm_warmup_steps", c.grad_norm_warmup_steps, 0);
  requireFraction(f, "loss_ema_alpha", c.loss_ema_alpha, "(0, 1]", false);
  requireAtLeast(f, "loss_ema_warmup_reports", c.loss_ema_warmup_reports, 0);
  if (!(c.loss_rise_ratio > 1)) {
    f.fail("loss_rise_ratio",
           f.rawValue("loss_rise_ratio") + ": must be > 1 (1.15 = 15% above the minimum)");
  }
  requireAtLeast(f, "loss_rise_reports", c.loss_rise_reports, 1);
  requireFraction(f, "distinct_1_min", c.distinct_1_min, "[0, 1] (0 = off)", true);
  requireFraction(f, "top_token_share_max", c.top_token_share_max, "(0, 1] (1 = off)", false);
  requireFraction(f, "empty_answer_share_max", c.empty_answer_share_max, "(0, 1] (1 = off)", false);
  return c;
}

RelaunchConfig parseRelaunch(YamlFields f) {
  RelaunchConfig c;
  f.optional("max_relaunches", c.max_relaunches);
  f.optional("lr_factor", c.lr_factor);
  f.optional("grokfast_lambda_factor", c.grokfast_lambda_factor);
  f.optional("fresh_warmup", c.fresh_warmup);
  f.rejectUnknownKeys();
  requireAtLeast(f, "max_relaunches", c.max_relaunches, 0);
  // A factor above 1 would relaunch a diverged run with a larger step: never intended.
  requireFraction(f, "lr_factor", c.lr_factor, "(0, 1]", false);
  requireFraction(f, "grokfast_lambda_factor", c.grokfast_lambda_factor, "[0, 1]", true);
  return c;
}

RestartConfig parseRestart(YamlFields f) {
  RestartConfig c;
  f.optional("max_restarts", c.max_restarts);
  f.optional("heartbeat_timeout_s", c.heartbeat_timeout_s);
  f.optional("progress_timeout_s", c.progress_timeout_s);
  f.optional("startup_timeout_s", c.startup_timeout_s);
  f.rejectUnknownKeys();
  requireAtLeast(f, "max_restarts", c.max_restarts, 0);
  // Heartbeats come every second: a shorter timeout would fire on ordinary jitter.
  f.requireRange("heartbeat_timeout_s", c.heartbeat_timeout_s, 1, 86400, " s");
  f.requireRange("progress_timeout_s", c.progress_timeout_s, 1, 7 * 86400, " s");
  f.requireRange("startup_timeout_s", c.startup_timeout_s, 1, 86400, " s");
  return c;
}

}  // namespace

PolicyConfig parsePolicyConfig(YamlFields& policies) {
  PolicyConfig config;
  config.early_stopping = parseEarlyStopping(policies.section("early_stopping"));
  config.divergence = parseDivergence(policies.section("divergence"));
  config.relaunch = parseRelaunch(policies.section("relaunch"));
  config.restart = parseRestart(policies.section("restart"));
  policies.rejectUnknownKeys();
  return config;
}

}  // namespace cog::coord
