#pragma once
// The Cognate language model: causal sliding-window transformer backbone, LTM memory mixed
// in by the MAG gate, then TRM recursive refinement with deep supervision and an ACT halting
// head. See DESIGN.md "The Cognate model".
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <string>
#include <utility>
#include <vector>

#include "model/ltm_memory.hpp"
#include "model/mag_gate.hpp"
#include "model/model_config.hpp"
#include "model/rms_norm.hpp"
#include "model/transformer_block.hpp"
#include "model/trm_refiner.hpp"

namespace cog::model {

struct ForwardOptions {
  // Inference: a position stops refining once its halting probability q_t exceeds the
  // variant's threshold (its answer state is frozen); the loop ends when every position has
  // halted or after t_max steps. Training runs all t_max steps so every step is supervised.
  bool halt_early = false;
  // [B, T] int64 document index of every position (data.packing: documents), or undefined
  // when each row is one sequence. Where it is defined, a position's learned position
  // counts from its document's first token, and attention and the LTM memory scan only
  // reach earlier positions of the same document: a document packed after others gets
  // exactly the outputs it would get alone at the start of a row.
  torch::Tensor segments;
  // Flat indices into [B * T] of the only positions whose last answer state the caller
  // reads (a loss's scored positions), or undefined for every position. Where defined, the
  // last refinement step's MLP, answer update and halting head run only there: with
  // data.loss_on: answer that is about a tenth of the positions, and a tiny-demo step took
  // 12% (t_max 2) to 17% (t_max 1) less time. Not with halt_early (inference reads every
  // position).
  // Positions must be distinct; naming every position runs the full step.
  torch::Tensor answer_positions;

  // Inference on one sequence per row: halting on, no segments.
  static ForwardOptions haltingEarly() {
    ForwardOptions options;
    options.halt_early = true;
    return options;
  }
};

struct CognateOutput {
  // Answer states y_0..y_K before the final norm, [B, T, d_model]; K = steps_run. With
  // ForwardOptions::answer_positions, y_K is [P, d_model]: only those positions, in order.
  std::vector<torch::Tensor> step_hidden;
  // Halting logits (pre-sigmoid) for steps 1..K, [B, T] (the last [P] as y_K).
  std::vector<torch::Tensor> halt_logits;
  // ForwardOptions::answer_positions when the last step ran only there, else undefined.
  torch::Tensor last_step_positions;
  torch::Tensor gate_entropy;  // scalar: mean entropy of the MAG gate
  int64_t steps_run = 0;
};

// y_K at `positions` (the forward's answer_positions, or any flat indices into [B * T] when
// it had none), [P, d_model], whichever way the forward ran its last step.
torch::Tensor lastAnswerStates(const CognateOutput& out, const torch::Tensor& positions);

// Handles QK-clip needs: the query/key weights of one attention module and the largest
// logit per head over the last forward (every call of the module in it).
struct AttentionHandle {
  std::string name;
  torch::Tensor wq;
  torch::Tensor wk;
  int64_t num_heads;
  torch::Tensor max_logit_per_head;
};

class CognateModelImpl : public torch::nn::Module {
 public:
  explicit CognateModelImpl(const ModelConfig& config);

  // tokens: [B, T] int64 with T <= max_seq_len.
  CognateOutput forward(const torch::Tensor& tokens, const ForwardOptions& options = {});
  // Final norm then the LM head tied to the token embedding: [B, T, d] -> [B, T, vocab].
  torch::Tensor logits(const torch::Tensor& hidden);
  // Convenience for inference: logits of the last answer state, halting enabled.
  torch::Tensor inferLogits(const torch::Tensor& tokens);

  const ModelConfig& config() const { return config_; }
  std::vector<AttentionHandle> attentionHandles();

  torch::nn::Embedding tok_emb{nullptr};
  torch::nn::Embedding pos_emb{nullptr};  // null with positions: rope
  torch::nn::ModuleList blocks{nullptr};
  LtmMemory memory{nullptr};
  MagGate mag{nullptr};
  TrmRefiner refiner{nullptr};
  torch::nn::Linear halt{nullptr};  // d -> 1, ACT halting head on the latent state
  RmsNorm final_norm{nullptr};

 private:
  void initializeWeights();
  ModelConfig config_;
};
TORCH_MODULE(CognateModel);

// Builds a model with the config's seed, so a variant's initial weights are reproducible.
CognateModel makeCognateModel(const ModelConfig& config);

// Parameter count per top-level component (tok_emb, pos_emb, blocks, ...), in module order.
std::vector<std::pair<std::string, int64_t>> parameterBreakdown(CognateModelImpl& model);
int64_t parameterCount(CognateModelImpl& model);

}  // namespace cog::model
