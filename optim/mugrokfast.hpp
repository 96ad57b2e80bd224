#pragma once
// MuGrokfast: Grokfast gradient filter, then Muon for hidden weight matrices and AdamW for
// everything else (embeddings, LM head, norms, biases, gates). See DESIGN.md "MuGrokfast".
#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "optim/grokfast_filter.hpp"
#include "optim/mugrokfast_options.hpp"
#include "optim/param_groups.hpp"

namespace torch::serialize {
class OutputArchive;
class InputArchive;
}  // namespace torch::serialize

namespace cog::optim {

// How data-parallel ranks split the Newton-Schulz work (see orthogonalization_shards.hpp).
// `sum_over_ranks` sums a float32 tensor in place over all ranks; every rank's step() calls
// it exactly once, at the same point, so it may be a blocking collective.
struct OrthogonalizationSharing {
  int rank = 0;
  int world = 1;
  std::function<void(torch::Tensor&)> sum_over_ranks;
};

class MuGrokfast {
 public:
  // Groups `params` with groupParameters (duplicates throw InvariantError) and validates
  // `options` (ConfigError). Parameters may live on any device; state follows them.
  MuGrokfast(const std::vector<NamedParameter>& params, MuGrokfastOptions options);

  // One update from the parameters' current .grad(); parameters without a grad are
  // skipped (their state, including the Adam step count, does not advance).
  void step();

  // From now on step() computes only this rank's share of the Muon orthogonalisations and
  // gets the rest through sharing.sum_over_ranks. Every rank must call this with the same
  // world and then call step() in lockstep (data parallelism does). A world of 1 changes
  // nothing. The state (momentum, Adam moments) stays complete on every rank, so
  // checkpoints and resumes at another world size are unaffected.
  void shareOrthogonalization(OrthogonalizationSharing sharing);
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
    bool decays = false;        // weight decay applies (decaysWeight or decay_all_parameters)
    torch::Tensor momentum;     // Muon group
    torch::Tensor expAvg;       // fallback group: first moment
    torch::Tensor expAvgSq;     // fallback group: second moment
    int64_t adamSteps = 0;      // fallback group: bias-correction step count
    torch::Tensor grokfastEma;  // undefined until the filter first sees a grad
  };

  // Momentum, then the Nesterov direction as a rows x (rest) matrix.
  torch::Tensor muonDirection(ParamState& state, const torch::Tensor& grad);
  // Weight decay and the scaled step along the orthogonalised direction `o`.
  void applyMuon(ParamState& state, const torch::Tensor& o);
  // Orthogonalises and applies directions[i] for each state i that has one.
  void orthogonalizeAndApply(const std::vector<torch::Tensor>& directions);
  // Orthogonalises one Newton-Schulz batch's directions (those defined), in member order.
  std::vector<torch::Tensor> orthogonalizeBatch(const std::vector<size_t>& batch,
                                                const std::vector<torch::Tensor>& directions) const;
  void adamUpdate(ParamState& state, const torch::Tensor& grad);

  MuGrokfastOptions options_;
  GrokfastFilter grokfast_;
  std::vector<ParamState> states_;
  double lrScale_ = 1.0;
  int64_t stepCount_ = 0;
  // The Muon states' Newton-Schulz batches (state indices; groupNewtonSchulzBatches), fixed
  // at construction whatever the world size: up to kMaxNewtonSchulzBatch same-shape matrices
  // on a GPU, one matrix each on a CPU (orthogonalization_shards.hpp says why).
  std::vector<std::vector<size_t>> nsBatches_;
  // Set by shareOrthogonalization: the owner rank of each batch, each Muon state's offset in
  // the flat float32 exchange buffer, and the buffer itself (undefined without Muon
  // parameters), reused every step.
  OrthogonalizationSharing sharing_;
  std::vector<int> batchOwner_;
  std::vector<int64_t> exchangeOffset_;
  int64_t exchangeElements_ = 0;
  torch::Tensor exchange_;
};

}  // namespace cog::optim
