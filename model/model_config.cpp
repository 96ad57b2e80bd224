#include "model/model_config.hpp"

#include <sstream>

#include "common/error.hpp"

namespace cog::model {
namespace {

template <typename T>
void require(bool ok, const char* key, const T& value, const char* expectation) {
  if (ok) return;
  std::ostringstream os;
  os << "model." << key << " = " << value << ": " << expectation;
  throw ConfigError(os.str());
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

void ModelConfig::validate() const {
  require(vocab_size > 0, "vocab_size", vocab_size, "must be positive");
  require(d_model > 0, "d_model", d_model, "must be positive");
  require(n_layers >= 1, "n_layers", n_layers, "must be at least 1");
  require(n_heads >= 1, "n_heads", n_heads, "must be at least 1");
  require(head_dim >= 1, "head_dim", head_dim, "must be at least 1");
  require(d_ff >= 1, "d_ff", d_ff, "must be at least 1");
  require(positions == "learned" || positions == "rope", "positions", positions,
          "expected learned or rope");
  if (positions == "rope") {
    require(head_dim % 2 == 0, "head_dim", head_dim, "must be even with positions: rope (RoPE rotates pairs)");
    require(rope_base > 1, "rope_base", rope_base, "must be greater than 1");
  }
  require(max_seq_len >= 1, "max_seq_len", max_seq_len, "must be at least 1");
  require(attention_window >= 1, "attention_window", attention_window, "must be at least 1");
  require(rms_eps > 0, "rms_eps", rms_eps, "must be positive");
  require(residual_init == "scaled" || residual_init == "zero", "residual_init", residual_init,
          "expected scaled or zero");
  require(dropout >= 0 && dropout < 1, "dropout", dropout, "must be in [0, 1)");
  require(d_mem >= 1, "d_mem", d_mem, "must be at least 1");
  require(mem_decay > 0 && mem_decay < 1, "mem_decay", mem_decay, "must be in (0, 1)");
  require(gate_entropy_coef >= 0, "gate_entropy_coef", gate_entropy_coef, "must be >= 0");
  require(t_max >= 1, "t_max", t_max, "must be at least 1");
  require(micro_steps >= 1, "micro_steps", micro_steps, "must be at least 1");
  require(act_threshold > 0 && act_threshold <= 1, "act_threshold", act_threshold,
          "must be in (0, 1]");
  require(act_loss_coef >= 0, "act_loss_coef", act_loss_coef, "must be >= 0");
  require(static_cast<int64_t>(step_weights.size()) >= t_max + 1, "step_weights",
          step_weights.size(), "needs at least t_max + 1 entries (one per y0..y_tmax)");
  for (double w : step_weights) require(w >= 0, "step_weights", w, "entries must be >= 0");
}

std::vector<double> ModelConfig::activeStepWeights() const {
  return std::vector<double>(step_weights.end() - (t_max + 1), step_weights.end());
}

ModelConfig presetConfig(const std::string& preset) {
  ModelConfig c;
  c.preset = preset;
  if (preset == "default") return c;
  if (preset == "tiny") {
    // Small enough to train to useful accuracy on 2 CPU cores in minutes.
    c.vocab_size = 259;  // byte tokenizer: 256 bytes + BOS/EOS/PAD
    c.d_model = 192;
    c.n_layers = 3;
    c.n_heads = 6;
    c.head_dim = 32;
    c.d_ff = 512;
    c.max_seq_len = 256;
    c.attention_window = 128;
    c.d_mem = 96;
    c.micro_steps = 1;
    c.dropout = 0.0;
    return c;
  }
  throw ConfigError("model.preset = " + preset + ": unknown preset (known: " +
                    joined(presetNames()) + ")");
}

void applyVariant(ModelConfig& c, const std::string& variant) {
  c.variant = variant;
  if (variant == "reasoning") {
    c.t_max = 3;
    c.act_threshold = 0.95;
    c.seed = 42;
  } else if (variant == "memory") {
    // Longer-range memory: a wider state that forgets more slowly.
    c.t_max = 3;
    c.act_threshold = 0.95;
    c.d_mem *= 2;
    c.mem_decay = 0.995;
    c.seed = 1337;
  } else if (variant == "speed") {
    // Fewer refinement steps, and it only halts early when very sure.
    c.t_max = 2;
    c.act_threshold = 0.99;
    c.seed = 2023;
  } else {
    throw ConfigError("model.variant = " + variant + ": unknown variant (known: " +
                      joined(variantNames()) + ")");
  }
}

ModelConfig makeModelConfig(const std::string& preset, const std::string& variant) {
  ModelConfig c = presetConfig(preset);
  applyVariant(c, variant);
  c.validate();
  return c;
}

std::vector<std::string> presetNames() { return {"default", "tiny"}; }
std::vector<std::string> variantNames() { return {"reasoning", "memory", "speed"}; }

}  // namespace cog::model
