#pragma once
// MuGrokfast: Grokfast gradient filter, then Muon for hidden weight matrices and AdamW for
// everything else (embeddings, LM head, norms, biases, gates). See DESIGN.md "MuGrokfast".
#include <torch/types.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "optim/grokfast_filter.hpp"
#include "optim/param_groups.hpp"

namespace torch::serialize {
class OutputArchive;
class InputArchive;
}  // namespace torch::serialize

namespace cog::optim {

// Field names match the `optim.<field>` keys of the experiment config, so validation
// errors point at the line to fix.
struct MuGrokfastOptions {
  double muon_lr = 0.02;
  double fallback_lr = 3e-4;
  double momentum = 0.95;  // Muon momentum (Nesterov by default, as in Muon's reference)
  bool nesterov = true;
  int ns_steps = 5;
  // Decoupled weight decay (p -= lr * wd * p), applied to both groups unless a per-group
  // value below overrides it.
  double weight_decay = 0.0;
  std::optional<double> muon_weight_decay;
  std::optional<double> fallback_weight_decay;
  double adam_beta1 = 0.9;
  double adam_beta2 = 0.95;
  double adam_eps = 1e-8;
  double grokfast_alpha = 0.98;
  double grokfast_lambda = 0.0;  // 0 disables the filter

  // Throws ConfigError "optim.<field> = <value>: <what is allowed>" for the first bad field.
  void validate() const;
  double weightDecay(ParamGroupKind kind) const;
  double baseLr(ParamGroupKind kind) const;
};

class MuGrokfast {
 public:
  // Groups `params` with groupParameters (duplicates throw InvariantError) and validates
  // `options` (ConfigError). Parameters may live on any device; state follows them.
  MuGrokfast(const std::vector<NamedParameter>& params, MuGrokfastOptions options);

  // One update from the parameters' current .grad(); parameters without a grad are
  // skipped (their state, including the Adam step count, does not advance).
  void step();
  // Zeroes every defined grad in place (keeps the storage, which gradient buckets may
  // alias); undefined grads stay undefined.
  void zeroGrad();

  // Multiplies every group's base lr; this is what LR schedules drive (applySchedule).
  void setLrScale(double scale);
  double lrScale() const { return lrScale_; }
  // The lr the next step() really uses for `kind`: base lr x scale.
  double groupLr(ParamGroupKind kind) const;

  // Number of parameter tensors / scalar elements in a group.
  int64_t numParameters(ParamGroupKind kind) const;
  int64_t numElements(ParamGroupKind kind) const;
  // Completed step() calls.
  int64_t stepCount() const { return stepCount_; }
  const MuGrokfastOptions& options() const { return options_; }

  // State: step count, lr scale, and per parameter (in construction order) its name,
  // Muon momentum buffer or Adam moments and step, and Grokfast EMA. Load requires the
  // same parameters (count, names, groups, shapes) and throws CheckpointError naming the
  // first mismatch; state tensors are copied onto each parameter's device.
  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);

 private:
  struct ParamState {
    NamedParameter param;
    ParamGroupKind kind = ParamGroupKind::kFallback;
    torch::Tensor momentum;     // Muon group
    torch::Tensor expAvg;       // fallback group: first moment
    torch::Tensor expAvgSq;     // fallback group: second moment
    int64_t adamSteps = 0;      // fallback group: bias-correction step count
    torch::Tensor grokfastEma;  // undefined until the filter first sees a grad
  };

  void muonUpdate(ParamState& state, const torch::Tensor& grad);
  void adamUpdate(ParamState& state, const torch::Tensor& grad);

  MuGrokfastOptions options_;
  GrokfastFilter grokfast_;
  std::vector<ParamState> states_;
  double lrScale_ = 1.0;
  int64_t stepCount_ = 0;
};

}  // namespace cog::optim
