#pragma once
// MuGrokfast's options and the two parameter groups they configure, torch-free: the worker
// config parser (and its fuzz target) validate them without LibTorch.
#include <optional>

namespace cog::optim {

enum class ParamGroupKind {
  kMuon,      // hidden >=2-D weight matrices: orthogonalised momentum (Muon)
  kFallback,  // embeddings, LM head, norms, biases, gates, 1-D params: AdamW
};

// "muon" / "fallback": used in error messages, logs and metric names.
const char* paramGroupKindName(ParamGroupKind kind);

// Field names match the `optim.<field>` keys of the experiment config, so validation
// errors point at the line to fix.
struct MuGrokfastOptions {
  double muon_lr = 0.02;
  double fallback_lr = 3e-4;
  double momentum = 0.95;  // Muon momentum (Nesterov by default, as in Muon's reference)
  bool nesterov = true;
  int ns_steps = 5;
  // Decoupled weight decay (p -= lr * wd * p), applied to both groups unless a per-group
  // value below overrides it, and only to the parameters decaysWeight() names (weight
  // matrices; never embeddings, norms or biases) unless decay_all_parameters.
  double weight_decay = 0.0;
  std::optional<double> muon_weight_decay;
  std::optional<double> fallback_weight_decay;
  bool decay_all_parameters = false;
  double adam_beta1 = 0.9;
  double adam_beta2 = 0.95;
  double adam_eps = 1e-8;
  double grokfast_alpha = 0.98;
  double grokfast_lambda = 0.0;  // 0 disables the filter
  // Data parallel only: each rank orthogonalises its share of the Muon matrices and the
  // results are exchanged (MuGrokfast::shareOrthogonalization). Same update either way.
  bool shard_orthogonalization = true;

  // Throws ConfigError "optim.<field> = <value>: <what is allowed>" for the first bad field.
  void validate() const;
  double weightDecay(ParamGroupKind kind) const;
  double baseLr(ParamGroupKind kind) const;
};

}  // namespace cog::optim
