#include "model/cognate.hpp"

#include <cmath>
#include <torch/torch.h>

#include "common/error.hpp"
#include "model/documents.hpp"

namespace cog::model {

CognateModelImpl::CognateModelImpl(const ModelConfig& config) : config_(config) {
  config_.validate();
  const auto& c = config_;
  tok_emb = register_module("tok_emb", torch::nn::Embedding(c.vocab_size, c.d_model));
  // With RoPE the attentions carry position; no absolute embedding (and no parameter) then.
  if (c.positions == "learned") {
    pos_emb = register_module("pos_emb", torch::nn::Embedding(c.max_seq_len, c.d_model));
  }
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.n_layers; ++i) blocks->push_back(TransformerBlock(c));
  memory = register_module("memory", LtmMemory(c.d_model, c.d_mem, c.mem_decay));
  mag = register_module("mag", MagGate(c.d_model));
  refiner = register_module("refiner", TrmRefiner(c));
  halt = register_module("halt", torch::nn::Linear(c.d_model, 1));
  final_norm = register_module("final_norm", RmsNorm(c.d_model, c.rms_eps));
  initializeWeights();
}

void CognateModelImpl::initializeWeights() {
  torch::NoGradGuard no_grad;
  // GPT-2 style: N(0, 0.02) everywhere, residual output projections scaled by 1/sqrt(2L)
  // so the residual stream's variance does not grow with depth.
  const double residual_std = 0.02 / std::sqrt(2.0 * static_cast<double>(config_.n_layers));
  for (auto& item : named_parameters()) {
    const auto& name = item.key();
    auto& p = item.value();
    if (p.dim() < 2) continue;  // norms start at 1, biases keep their defaults below
    // Residual output projections: attention outputs, MLP down projections (in the blocks
    // and the refiner) and the refiner's answer update. Not memory.w_down: the memory's
    // input projection writes into no residual stream.
    const bool residual_out = name.find(".wo.") != std::string::npos ||
                              name.find(".mlp.w_down.") != std::string::npos ||
                              name.find("refiner.update.") != std::string::npos;
    p.normal_(0.0, residual_out ? residual_std : 0.02);
    // Drawn first all the same, so every other matrix gets the values it gets with "scaled".
    if (residual_out && config_.residual_init == "zero") p.zero_();
  }
  for (auto& item : named_parameters()) {
    if (item.key().find(".bias") != std::string::npos) item.value().zero_();
  }
  // Gate bias starts at +1: the gate initially prefers the backbone output over the memory,
  // which is near zero until W_down/W_up have learned something.
  mag->gate_out->bias.fill_(1.0);
}

CognateOutput CognateModelImpl::forward(const torch::Tensor& tokens, const ForwardOptions& options) {
  const auto& c = config_;
  if (tokens.dim() != 2) {
    throw InvariantError("CognateModel::forward expects [batch, seq] tokens, got " +
                         std::to_string(tokens.dim()) + " dims");
  }
  const int64_t seq = tokens.size(1);
  if (seq > c.max_seq_len) {
    throw DataError("sequence of " + std::to_string(seq) + " tokens exceeds model.max_seq_len " +
                    std::to_string(c.max_seq_len));
  }
  torch::Tensor same_document;  // undefined: each row is one sequence
  torch::Tensor positions;      // [B, T] with documents, else [T]
  if (options.segments.defined()) {
    if (options.segments.sizes() != tokens.sizes()) {
      throw InvariantError("CognateModel::forward: segments must have the tokens' shape [batch, seq]");
    }
    same_document = sameDocumentMask(options.segments);
    positions = positionsInDocument(options.segments);
  } else {
    positions = torch::arange(seq, torch::TensorOptions().dtype(torch::kLong).device(tokens.device()));
  }
  auto x = tok_emb(tokens);
  AttentionLayout layout;
  layout.bias = attentionBias(seq, c.attention_window, same_document, x.options());
  if (pos_emb) {
    auto embedded = pos_emb(positions);
    x = x + (positions.dim() == 1 ? embedded.unsqueeze(0) : embedded);
  } else {
    layout.rotary = rotaryTables(positions, c.head_dim, c.rope_base, x.scalar_type());
  }
  x = torch::dropout(x, c.dropout, is_training());
  for (const auto& module : modules()) {
    if (auto* attention = module->as<CausalAttentionImpl>()) attention->resetMaxLogits();
  }
  for (const auto& block : *blocks) x = block->as<TransformerBlock>()->forward(x, layout);

  auto gated = mag(x, memory(x, same_document));
  CognateOutput out;
  out.gate_entropy = gated.entropy;

  auto y = gated.mixed;
  auto z = gated.mixed;
  out.step_hidden.push_back(y);
  torch::Tensor halted;  // [B, T] bool, only when halting early
  // Every position asked for (data.loss_on: all): the full step, without gathering them.
  const bool last_step_at_answers =
      options.answer_positions.defined() && options.answer_positions.numel() < tokens.numel();
  if (options.answer_positions.defined() && options.halt_early) {
    throw InvariantError("CognateModel::forward: answer_positions is for full-depth forwards, not halt_early");
  }
  for (int64_t step = 1; step <= c.t_max; ++step) {
    const bool at_answers = last_step_at_answers && step == c.t_max;
    for (int64_t micro = 0; micro < c.micro_steps; ++micro) {
      z = at_answers && micro + 1 == c.micro_steps ? refiner->latentStepAt(z, y, layout, options.answer_positions)
                                                  : refiner->latentStep(z, y, layout);
    }
    if (at_answers) {
      y = y.reshape({-1, y.size(-1)}).index_select(0, options.answer_positions);
      out.last_step_positions = options.answer_positions;
    }
    auto y_next = refiner->answerStep(y, z);
    auto halt_logit = halt(z).squeeze(-1);
    if (options.halt_early && halted.defined()) {
      // Positions that already halted keep their answer; deciding per position keeps the
      // computation causal (a later token can never change an earlier position's steps).
      y_next = torch::where(halted.unsqueeze(-1), y, y_next);
    }
    y = y_next;
    out.step_hidden.push_back(y);
    out.halt_logits.push_back(halt_logit);
    out.steps_run = step;
    if (options.halt_early) {
      auto now_halting = torch::sigmoid(halt_logit) > c.act_threshold;
      halted = halted.defined() ? (halted | now_halting) : now_halting;
      if (halted.all().item<bool>()) break;
    }
  }
  return out;
}

torch::Tensor lastAnswerStates(const CognateOutput& out, const torch::Tensor& positions) {
  const auto& last = out.step_hidden.back();
  if (out.last_step_positions.defined()) return last;
  return last.reshape({-1, last.size(-1)}).index_select(0, positions);
}

torch::Tensor CognateModelImpl::logits(const torch::Tensor& hidden) {
  return torch::matmul(final_norm(hidden), tok_emb->weight.t());
}

torch::Tensor CognateModelImpl::inferLogits(const torch::Tensor& tokens) {
  auto out = forward(tokens, ForwardOptions::haltingEarly());
  return logits(out.step_hidden.back());
}

std::vector<AttentionHandle> CognateModelImpl::attentionHandles() {
  std::vector<AttentionHandle> handles;
  auto add = [&](const std::string& name, CausalAttentionImpl& attn) {
    handles.push_back({name, attn.wq->weight, attn.wk->weight, attn.numHeads(), attn.maxLogitPerHead()});
  };
  for (size_t i = 0; i < blocks->size(); ++i) {
    add("blocks." + std::to_string(i) + ".attn", *blocks->ptr<TransformerBlockImpl>(i)->attn);
  }
  add("refiner.self_attn", *refiner->self_attn);
  add("refiner.cross_attn", *refiner->cross_attn);
  return handles;
}

CognateModel makeCognateModel(const ModelConfig& config) {
  torch::manual_seed(config.seed);
  return CognateModel(config);
}

std::vector<std::pair<std::string, int64_t>> parameterBreakdown(CognateModelImpl& model) {
  std::vector<std::pair<std::string, int64_t>> parts;
  for (const auto& child : model.named_children()) {
    int64_t count = 0;
    for (const auto& p : child.value()->parameters()) count += p.numel();
    parts.emplace_back(child.key(), count);
  }
  return parts;
}

int64_t parameterCount(CognateModelImpl& model) {
  int64_t total = 0;
  for (const auto& p : model.parameters()) total += p.numel();
  return total;
}

}  // namespace cog::model
