#pragma once
// Typed configuration of a Cognate model. Torch-free so configuration parsing, the
// coordinator's summaries and tests can use it without pulling in LibTorch.
#include <cstdint>
#include <string>
#include <vector>

namespace cog::model {

struct ModelConfig {
  std::string preset = "default";  // which preset these sizes came from (for summaries)
  std::string variant = "reasoning";

  // Backbone (defaults are the original project's, ~32.5M parameters).
  int64_t vocab_size = 50257;  // GPT-2 BPE
  int64_t d_model = 320;
  int64_t n_layers = 8;
  int64_t n_heads = 5;
  int64_t head_dim = 64;
  int64_t d_ff = 1280;  // SwiGLU hidden width
  // How attention knows where a token is: "learned" adds a learned absolute position
  // embedding to the input (the original project's); "rope" rotates every attention's
  // queries and keys by their position (RoPE), so attention scores depend on the distance
  // between tokens only, which makes a copy-the-next-token pattern position-independent.
  std::string positions = "learned";
  double rope_base = 10000.0;  // RoPE's frequency base (positions: rope)
  int64_t max_seq_len = 1024;
  int64_t attention_window = 256;  // sliding window; position i sees (i - window, i]
  double rms_eps = 1e-6;
  double dropout = 0.1;
  // How the residual output projections (attention outputs, MLP down projections, the
  // refiner's answer update) start: "scaled" draws them from N(0, 0.02 / sqrt(2 n_layers))
  // (GPT-2); "zero" starts them at zero, so every block starts as the identity and the
  // first steps shape the embeddings and the paths into the blocks (as modded-nanogpt does).
  std::string residual_init = "scaled";

  // LTM memory: causal EMA over a down-projected state.
  int64_t d_mem = 160;
  double mem_decay = 0.99;

  // MAG gate entropy regulariser weight (added to the loss as -coef * mean entropy).
  double gate_entropy_coef = 1e-3;

  // TRM recursion and ACT halting.
  int64_t t_max = 3;         // refinement steps
  int64_t micro_steps = 2;   // latent updates per refinement step
  double act_threshold = 0.95;
  // Deep-supervision weights for y0..y_tmax; the last t_max+1 entries are used so the final
  // step always carries the largest weight.
  std::vector<double> step_weights = {0.33, 0.5, 0.75, 1.0};
  double act_loss_coef = 0.1;

  uint64_t seed = 42;

  // Throws ConfigError naming `model.<field>` and the bad value.
  void validate() const;
  // Weights actually used for y0..y_tmax (size t_max + 1).
  std::vector<double> activeStepWeights() const;
};

// "default" (GPT-2 vocabulary, ~32.5M parameters) or "tiny" (byte vocabulary, ~2M
// parameters, for CPU tests and the demo). Throws ConfigError on an unknown name.
ModelConfig presetConfig(const std::string& preset);

// Applies the variant's recursion, halting, memory and seed on top of a preset:
// reasoning (T_max 3, ACT 0.95, seed 42), memory (2x d_mem, decay 0.995, seed 1337),
// speed (T_max 2, ACT 0.99, seed 2023). Throws ConfigError on an unknown name.
void applyVariant(ModelConfig& config, const std::string& variant);

// presetConfig + applyVariant.
ModelConfig makeModelConfig(const std::string& preset, const std::string& variant);

std::vector<std::string> presetNames();
std::vector<std::string> variantNames();

}  // namespace cog::model
