#include "worker/config/worker_config.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "common/yaml_fields.hpp"

namespace cog::worker {
namespace {

namespace fs = std::filesystem;

void parseModel(YamlFields f, model::ModelConfig& m) {
  std::string preset = "tiny";
  std::string variant = "reasoning";
  f.optional("preset", preset);
  f.optional("variant", variant);
  auto known = [](const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  if (!known(model::presetNames(), preset)) f.fail("preset", preset + ": unknown preset (default, tiny)");
  if (!known(model::variantNames(), variant)) {
    f.fail("variant", variant + ": unknown variant (reasoning, memory, speed)");
  }
  m = model::makeModelConfig(preset, variant);
  // Any architecture field may be overridden on top of preset + variant.
  f.optional("vocab_size", m.vocab_size);
  f.optional("d_model", m.d_model);
  f.optional("n_layers", m.n_layers);
  f.optional("n_heads", m.n_heads);
  f.optional("head_dim", m.head_dim);
  f.optional("d_ff", m.d_ff);
  f.optional("positions", m.positions);
  f.optional("rope_base", m.rope_base);
  f.optional("max_seq_len", m.max_seq_len);
  f.optional("attention_window", m.attention_window);
  f.optional("rms_eps", m.rms_eps);
  f.optional("dropout", m.dropout);
  f.optional("residual_init", m.residual_init);
  f.optional("d_mem", m.d_mem);
  f.optional("mem_decay", m.mem_decay);
  f.optional("gate_entropy_coef", m.gate_entropy_coef);
  f.optional("t_max", m.t_max);
  f.optional("micro_steps", m.micro_steps);
  f.optional("act_threshold", m.act_threshold);
  f.optional("step_weights", m.step_weights);
  f.optional("act_loss_coef", m.act_loss_coef);
  f.optional("seed", m.seed);
  f.rejectUnknownKeys();
  try {
    m.validate();
  } catch (const ConfigError& e) {
    throw ConfigError(f.file() + ": " + e.what());
  }
}

std::string resolvePath(const std::string& path, const std::string& base_dir) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  fs::path beside_config = fs::path(base_dir) / path;
  if (fs::exists(beside_config)) return beside_config.lexically_normal().string();
  return path;
}

void parseTokenizer(YamlFields f, TokenizerConfig& t, const std::string& base_dir) {
  f.optional("kind", t.kind);
  f.optional("vocab", t.vocab);
  f.optional("merges", t.merges);
  f.rejectUnknownKeys();
  if (t.kind != "byte" && t.kind != "gpt2") f.fail("kind", t.kind + ": expected byte or gpt2");
  t.vocab = resolvePath(t.vocab, base_dir);
  t.merges = resolvePath(t.merges, base_dir);
}

// data.loss_on and data.sources[i].loss_on: which targets the loss counts.
constexpr const char* kLossOnChoices = ": expected all or answer";
bool isLossOn(const std::string& value) { return value == "all" || value == "answer"; }

void parseData(YamlFields f, data::DataConfig& d, const std::string& base_dir) {
  for (auto& s : f.sectionList("sources")) {
    data::SourceConfig source;
    s.required("kind", source.kind);
    s.optional("name", source.name);
    s.optional("path", source.path);
    s.optional("weight", source.weight);
    s.optional("cap", source.cap);
    s.optional("count", source.count);
    s.optional("max_difficulty", source.max_difficulty);
    s.optional("min_difficulty", source.min_difficulty);
    s.optional("seed", source.seed);
    s.optional("families", source.families);
    s.optional("loss_on", source.loss_on);
    s.rejectUnknownKeys();
    if (!source.loss_on.empty() && !isLossOn(source.loss_on)) s.fail("loss_on", source.loss_on + kLossOnChoices);
    if (source.weight < 0) s.fail("weight", std::to_string(source.weight) + ": must be >= 0");
    if (source.cap < 0) s.fail("cap", std::to_string(source.cap) + ": must be >= 0 (0 = all)");
    if (source.kind == "synthetic" && source.count <= 0) {
      s.fail("count", std::to_string(source.count) + ": synthetic sources need count > 0");
    }
    if (source.kind != "synthetic" && source.path.empty()) s.fail("path", "missing (required for " + source.kind + ")");
    source.path = resolvePath(source.path, base_dir);
    d.sources.push_back(source);
  }
  f.optional("val_fraction", d.val_fraction);
  f.optional("seed", d.seed);
  std::string loss_on = "all";
  f.optional("loss_on", loss_on);
  if (!isLossOn(loss_on)) f.fail("loss_on", loss_on + kLossOnChoices);
  d.answer_only_loss = loss_on == "answer";
  std::string packing = "stream";
  f.optional("packing", packing);
  if (packing == "stream") {
    d.packing = data::Packing::stream;
  } else if (packing == "aligned") {
    d.packing = data::Packing::aligned;
  } else if (packing == "documents") {
    d.packing = data::Packing::documents;
  } else {
    f.fail("packing", packing + ": expected stream, aligned or documents");
  }
  f.optional("fill_rows", d.fill_rows);
  if (d.fill_rows && d.packing == data::Packing::stream) {
    f.fail("fill_rows", "true: only for packing aligned or documents (stream rows have no padding to fill)");
  }
  for (auto& c : f.sectionList("curriculum")) {
    data::CurriculumStage stage;
    c.required("from_epoch", stage.from_epoch);
    c.optional("seq_len", stage.seq_len);
    c.optional("max_difficulty", stage.max_difficulty);
    c.optional("lr_scale", stage.lr_scale);
    c.optional("weights", stage.source_weights);
    c.rejectUnknownKeys();
    for (const auto& [name, weight] : stage.source_weights) {
      if (!(std::isfinite(weight) && weight >= 0)) {
        std::ostringstream value;
        value << weight;
        c.fail("weights." + name, value.str() + ": must be a finite number >= 0");
      }
    }
    if (stage.lr_scale <= 0) c.fail("lr_scale", std::to_string(stage.lr_scale) + ": must be > 0");
    if (stage.seq_len < 0) c.fail("seq_len", std::to_string(stage.seq_len) + ": must be >= 0");
    d.curriculum.push_back(stage);
  }
  f.rejectUnknownKeys();
  if (d.sources.empty()) f.fail("sources", "empty: list at least one source (e.g. kind: synthetic)");
  if (!(d.val_fraction > 0 && d.val_fraction < 1)) {
    f.fail("val_fraction", std::to_string(d.val_fraction) + ": must be in (0, 1) — validation needs held-out data");
  }
}

void parseTrain(YamlFields f, TrainSection& t) {
  f.optional("epochs", t.epochs);
  f.optional("max_steps", t.max_steps);
  f.optional("batch_size", t.batch_size);
  f.optional("seq_len", t.seq_len);
  f.optional("seed", t.seed);
  f.optional("threads", t.threads);
  f.optional("log_every", t.log_every);
  f.optional("grad_clip", t.grad_clip);
  f.optional("qk_clip_tau", t.qk_clip_tau);
  f.optional("device", t.device);
  f.optional("precision", t.precision);
  f.rejectUnknownKeys();
  if (t.epochs < 1) f.fail("epochs", std::to_string(t.epochs) + ": must be at least 1");
  if (t.max_steps < 0) f.fail("max_steps", std::to_string(t.max_steps) + ": must be >= 0 (0 = no cap)");
  if (t.batch_size < 1) f.fail("batch_size", std::to_string(t.batch_size) + ": must be at least 1");
  if (t.seq_len < 2) f.fail("seq_len", std::to_string(t.seq_len) + ": must be at least 2");
  if (t.threads < 0) f.fail("threads", std::to_string(t.threads) + ": must be >= 0 (0 = automatic)");
  if (t.log_every < 1) f.fail("log_every", std::to_string(t.log_every) + ": must be at least 1");
  if (t.qk_clip_tau < 0) f.fail("qk_clip_tau", std::to_string(t.qk_clip_tau) + ": must be >= 0 (0 = off)");
  if (t.device != "auto" && t.device != "cpu" && t.device != "cuda") {
    f.fail("device", t.device + ": expected auto, cpu or cuda");
  }
  if (t.precision != "fp32" && t.precision != "bf16") f.fail("precision", t.precision + ": expected fp32 or bf16");
}

void parseOptim(YamlFields f, optim::MuGrokfastOptions& o) {
  f.optional("muon_lr", o.muon_lr);
  f.optional("fallback_lr", o.fallback_lr);
  f.optional("momentum", o.momentum);
  f.optional("nesterov", o.nesterov);
  f.optional("ns_steps", o.ns_steps);
  f.optional("weight_decay", o.weight_decay);
  if (f.has("muon_weight_decay")) {
    double v = 0;
    f.optional("muon_weight_decay", v);
    o.muon_weight_decay = v;
  }
  if (f.has("fallback_weight_decay")) {
    double v = 0;
    f.optional("fallback_weight_decay", v);
    o.fallback_weight_decay = v;
  }
  f.optional("decay_all_parameters", o.decay_all_parameters);
  f.optional("adam_beta1", o.adam_beta1);
  f.optional("adam_beta2", o.adam_beta2);
  f.optional("adam_eps", o.adam_eps);
  f.optional("grokfast_alpha", o.grokfast_alpha);
  f.optional("grokfast_lambda", o.grokfast_lambda);
  f.optional("shard_orthogonalization", o.shard_orthogonalization);
  f.rejectUnknownKeys();
  try {
    o.validate();
  } catch (const ConfigError& e) {
    throw ConfigError(f.file() + ": " + e.what());
  }
}

void parseSchedule(YamlFields f, optim::ScheduleConfig& s) {
  f.optional("kind", s.kind);
  f.optional("warmup_steps", s.warmup_steps);
  f.optional("total_steps", s.total_steps);
  f.optional("min_lr_factor", s.min_lr_factor);
  f.optional("decay_fraction", s.decay_fraction);
  f.rejectUnknownKeys();
  if (s.kind != "constant" && s.kind != "warmup_cosine" && s.kind != "warmup_stable_decay") {
    f.fail("kind", s.kind + ": expected constant, warmup_cosine or warmup_stable_decay");
  }
  if (s.warmup_steps < 0) f.fail("warmup_steps", std::to_string(s.warmup_steps) + ": must be >= 0");
  if (s.total_steps < 0) f.fail("total_steps", std::to_string(s.total_steps) + ": must be >= 0 (0 = the whole run)");
  if (!(s.min_lr_factor >= 0 && s.min_lr_factor <= 1)) {
    f.fail("min_lr_factor", std::to_string(s.min_lr_factor) + ": must be in [0, 1]");
  }
  f.requireRange("decay_fraction", s.decay_fraction, 0, 1);
}

void parseValidation(YamlFields f, ValidationSection& v) {
  f.optional("max_batches", v.max_batches);
  f.optional("batch_size", v.batch_size);
  f.optional("generate_samples", v.generate_samples);
  f.optional("max_new_tokens", v.max_new_tokens);
  f.optional("on_stop", v.on_stop);
  f.rejectUnknownKeys();
  if (v.max_batches < 0) f.fail("max_batches", std::to_string(v.max_batches) + ": must be >= 0 (0 = all)");
  if (v.batch_size < 1) f.fail("batch_size", std::to_string(v.batch_size) + ": must be at least 1");
  if (v.generate_samples < 0) f.fail("generate_samples", std::to_string(v.generate_samples) + ": must be >= 0");
  if (v.max_new_tokens < 1) f.fail("max_new_tokens", std::to_string(v.max_new_tokens) + ": must be at least 1");
}

void parseCheckpoint(YamlFields f, CheckpointSection& c) {
  f.optional("every_epochs", c.every_epochs);
  f.optional("keep_last", c.keep_last);
  f.rejectUnknownKeys();
  if (c.every_epochs < 0) f.fail("every_epochs", std::to_string(c.every_epochs) + ": must be >= 0 (0 = only best/final)");
  if (c.keep_last < 0) f.fail("keep_last", std::to_string(c.keep_last) + ": must be >= 0 (0 = keep every one)");
}

void parseFaults(YamlFields f, FaultsSection& x) {
  f.optional("nan_at_step", x.nan_at_step);
  f.optional("exit_at_step", x.exit_at_step);
  f.optional("hang_at_step", x.hang_at_step);
  f.optional("rank", x.rank);
  f.optional("attempt", x.attempt);
  f.rejectUnknownKeys();
}

void parseComms(YamlFields f, CommsSection& c) {
  f.optional("backend", c.backend);
  f.optional("timeout_ms", c.timeout_ms);
  f.optional("abort_grace_ms", c.abort_grace_ms);
  f.optional("bucket_mb", c.bucket_mb);
  f.optional("first_bucket_mb", c.first_bucket_mb);
  f.optional("consistency_every", c.consistency_every);
  f.rejectUnknownKeys();
  if (c.backend != "auto" && c.backend != "mpi" && c.backend != "nccl") {
    f.fail("backend", c.backend + ": expected auto, mpi or nccl");
  }
  if (c.timeout_ms < 1) f.fail("timeout_ms", std::to_string(c.timeout_ms) + ": must be at least 1");
  if (c.abort_grace_ms < 0) f.fail("abort_grace_ms", std::to_string(c.abort_grace_ms) + ": must be >= 0");
  if (!(c.bucket_mb > 0)) f.fail("bucket_mb", std::to_string(c.bucket_mb) + ": must be > 0");
  if (!(c.first_bucket_mb > 0)) f.fail("first_bucket_mb", std::to_string(c.first_bucket_mb) + ": must be > 0");
  if (c.consistency_every < 0) f.fail("consistency_every", std::to_string(c.consistency_every) + ": must be >= 0");
}

// Applies the factors to the optimizer section here, once, so the trainer reads plain values.
void parseAdjust(YamlFields f, AdjustSection& a, optim::MuGrokfastOptions& o) {
  f.optional("lr_factor", a.lr_factor);
  f.optional("grokfast_lambda_factor", a.grokfast_lambda_factor);
  f.optional("warmup_from_step", a.warmup_from_step);
  f.optional("warmup_steps", a.warmup_steps);
  f.rejectUnknownKeys();
  if (!(a.lr_factor > 0)) f.fail("lr_factor", f.rawValue("lr_factor") + ": must be > 0");
  if (!(a.grokfast_lambda_factor >= 0)) {
    f.fail("grokfast_lambda_factor", f.rawValue("grokfast_lambda_factor") + ": must be >= 0");
  }
  if (a.warmup_steps < 0) f.fail("warmup_steps", std::to_string(a.warmup_steps) + ": must be >= 0");
  o.muon_lr *= a.lr_factor;
  o.fallback_lr *= a.lr_factor;
  o.grokfast_lambda *= a.grokfast_lambda_factor;
}

WorkerConfig parseConfigTree(const YAML::Node& root, const std::string& yaml_text,
                             const std::string& source, const std::string& base_dir) {
  WorkerConfig config;
  config.source = source;
  config.yaml = yaml_text;
  YamlFields top(root, "", source);
  parseModel(top.section("model"), config.model);
  parseTokenizer(top.section("tokenizer"), config.tokenizer, base_dir);
  parseData(top.section("data"), config.data, base_dir);
  parseTrain(top.section("train"), config.train);
  parseOptim(top.section("optim"), config.optim);
  parseSchedule(top.section("schedule"), config.schedule);
  parseValidation(top.section("validation"), config.validation);
  parseCheckpoint(top.section("checkpoint"), config.checkpoint);
  parseFaults(top.section("faults"), config.faults);
  parseComms(top.section("comms"), config.comms);
  parseAdjust(top.section("adjust"), config.adjust, config.optim);
  top.rejectUnknownKeys();
  // train.seed is the run's seed: the weights' initialisation (which the model draws from
  // model.seed) and dropout. 0 keeps the variant's seed, so the three variants differ.
  if (config.train.seed == 0) config.train.seed = config.model.seed;
  else config.model.seed = config.train.seed;
  if (config.train.seq_len > config.model.max_seq_len) {
    throw ConfigError(source + ": train.seq_len = " + std::to_string(config.train.seq_len) +
                      ": exceeds model.max_seq_len " + std::to_string(config.model.max_seq_len));
  }
  for (size_t i = 0; i < config.data.curriculum.size(); ++i) {
    if (config.data.curriculum[i].seq_len > config.model.max_seq_len) {
      throw ConfigError(source + ": data.curriculum[" + std::to_string(i) + "].seq_len = " +
                        std::to_string(config.data.curriculum[i].seq_len) + ": exceeds model.max_seq_len " +
                        std::to_string(config.model.max_seq_len));
    }
  }
  return config;
}

}  // namespace

WorkerConfig parseWorkerConfig(const std::string& yaml_text, const std::string& source,
                               const std::string& base_dir) {
  return parseConfigTree(parseYamlText(yaml_text, source), yaml_text, source, base_dir);
}

WorkerConfig loadWorkerConfig(const std::string& path, const std::vector<std::string>& overrides) {
  const auto loaded = loadYamlWithOverrides(path, overrides);
  return parseConfigTree(loaded.root, loaded.effective_text, path, loaded.base_dir);
}

}  // namespace cog::worker
