#include "worker/commands.hpp"

#include <torch/torch.h>

#include <unistd.h>

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "comms/wire/metric_names.hpp"
#include "model/generation.hpp"
#include "model/tokenizer/tokenizer_factory.hpp"
#include "worker/data/source_loader.hpp"
#include "worker/build_info.hpp"
#include "worker/exit_codes.hpp"
#include "worker/loaded_model.hpp"
#include "worker/model_summary.hpp"
#include "worker/report/console_reporter.hpp"
#include "worker/report/jsonl_reporter.hpp"
#include "worker/report/wire_reporter.hpp"
#include "worker/trainer.hpp"
#include "worker/training_checkpoint.hpp"
#include "worker/validator.hpp"

namespace cog::worker {

LoadedModel loadModelForInference(const std::filesystem::path& checkpoint_dir) {
  auto contents = readCheckpointContents(checkpoint_dir);
  LoadedModel loaded;
  loaded.config = parseWorkerConfig(contents.config_yaml, (checkpoint_dir / "config.yaml").string());
  loaded.tokenizer = makeTokenizer(loaded.config.tokenizer);
  loaded.net = model::CognateModel(loaded.config.model);
  loadTrainingCheckpoint(checkpoint_dir, *loaded.net, nullptr);
  loaded.net->eval();
  return loaded;
}

namespace {

// Rank 0's link to the coordinator, announcing the hyperparameters this attempt really uses
// (after the coordinator's adjust.* factors) so the coordinator stores them.
std::unique_ptr<WireReporter> connectCoordinator(const TrainCommand& command, const WorkerConfig& config,
                                                 const std::filesystem::path& run_dir) {
  wire::WorkerLinkOptions options;
  options.endpoint = command.coordinator.endpoint;
  options.job = command.coordinator.job;
  options.attempt = command.coordinator.attempt;
  options.rank = command.rank.rank;
  options.curve = wire::curveKeysFromEnvironment();
  wire::Hello hello;
  hello.pid = static_cast<int64_t>(::getpid());
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  hello.host = host;
  hello.world_size = command.rank.size;
  hello.run_dir = std::filesystem::absolute(run_dir).string();
  hello.version = kCogVersion;
  hello.hyperparameters = {{"muon_lr", config.optim.muon_lr},
                           {"fallback_lr", config.optim.fallback_lr},
                           {"grokfast_lambda", config.optim.grokfast_lambda},
                           {"lr_factor", config.adjust.lr_factor},
                           {"grokfast_lambda_factor", config.adjust.grokfast_lambda_factor},
                           {"warmup_from_step", static_cast<double>(config.adjust.warmup_from_step)},
                           {"batch_size", static_cast<double>(config.train.batch_size)},
                           {"world_size", static_cast<double>(command.rank.size)}};
  return std::make_unique<WireReporter>(std::make_unique<wire::WorkerLink>(options, hello));
}

}  // namespace

int runTrain(const TrainCommand& command) {
  WorkerConfig config = loadWorkerConfig(command.config, command.overrides);
  if (config.faults.attempt >= 0 && config.faults.attempt != command.coordinator.attempt) {
    config.faults = FaultsSection{};  // injected for another attempt only
  }
  // The one place train.device meets the machine: a GPU per local rank, or the CPU.
  const TrainDevice device = resolveTrainDevice(config, command.rank.local_rank);
  // CPU threads: LibTorch's compute on the CPU; on a GPU only host-side work (data, launches).
  torch::set_num_threads(config.train.threads > 0 ? config.train.threads : command.default_threads);
  std::filesystem::path run_dir = command.run_dir;
  if (run_dir.empty()) run_dir = std::filesystem::path("runs") / std::filesystem::path(command.config).stem();
  std::filesystem::create_directories(run_dir);

  comms::CollectiveOptions comms_options;
  comms_options.backend = config.comms.backend;
  comms_options.timeout = std::chrono::milliseconds(config.comms.timeout_ms);
  comms_options.abort_requested = command.stop_requested;
  comms_options.abort_grace = std::chrono::milliseconds(config.comms.abort_grace_ms);
  auto collective = comms::makeCollective(comms_options, command.rank, device.device);

  FanoutReporter reporter;
  WireReporter* wire = nullptr;  // owned by `reporter`
  if (command.rank.rank == 0) {
    reporter.add(std::make_unique<ConsoleReporter>(std::cout));
    reporter.add(std::make_unique<JsonlReporter>((run_dir / "metrics.jsonl").string()));
    if (!command.coordinator.endpoint.empty()) {
      auto link = connectCoordinator(command, config, run_dir);
      wire = link.get();
      reporter.add(std::move(link));
    }
    std::cout << "cogworker train " << command.config << " -> " << run_dir.string() << " (" << command.rank.size
              << " rank(s), " << collective->backendName() << ", " << device.describe() << ", "
              << torch::get_num_threads() << " threads each)\n";
    printModelSummary(config.model, std::cout);
  }
  RunContext context;
  context.run_dir = run_dir;
  context.resume = command.resume;
  context.init_from = command.init_from;
  context.collective = collective.get();
  context.device = device;
  context.stop_requested = command.stop_requested;
  if (wire) context.poll_commands = [wire] { return wire->pollCommands(); };
  Trainer trainer(config, context, reporter);
  TrainResult result;
  try {
    result = trainer.run();
  } catch (const std::exception& e) {
    // The log and the coordinator learn why before the process exits (the coordinator also
    // sees the exit code). Only rank 0 has reporters.
    reporter.onFinished({trainer.position().global_step, wire::RunEnd::kFailed, e.what()});
    if (wire) wire->close(std::chrono::milliseconds(2000));
    throw;
  }
  if (wire) wire->close(std::chrono::milliseconds(2000));
  if (command.rank.rank == 0 && result.reason != StopReason::kAlreadyFinished) {
    std::cout << "done (" << stopReasonName(result.reason) << "): step " << result.position.global_step
              << ", " << describeValidation(result) << "\n  final checkpoint " << result.final_checkpoint.string()
              << "\n";
  }
  return kExitOk;
}

int runGenerate(const GenerateCommand& command) {
  auto loaded = loadModelForInference(command.checkpoint);
  std::vector<int64_t> prompt{loaded.tokenizer->bosId()};
  for (int32_t id : loaded.tokenizer->encode(command.prompt)) prompt.push_back(id);
  model::GenerationOptions options;
  options.max_new_tokens = command.max_new_tokens;
  options.temperature = command.temperature;
  options.top_k = command.top_k;
  options.seed = command.seed;
  options.stop_token = loaded.tokenizer->eosId();
  auto produced = model::generate(*loaded.net, prompt, options);
  std::vector<int32_t> ids(produced.begin(), produced.end());
  std::cout << command.prompt << loaded.tokenizer->decode(ids) << "\n";
  return kExitOk;
}

int runScore(const ScoreCommand& command) {
  auto loaded = loadModelForInference(command.checkpoint);
  auto& tok = *loaded.tokenizer;
  std::vector<int64_t> ids{tok.bosId()};
  for (int32_t id : tok.encode(command.text)) ids.push_back(id);
  if (static_cast<int64_t>(ids.size()) > loaded.config.model.max_seq_len) {
    throw DataError("--text encodes to " + std::to_string(ids.size()) + " tokens, more than model.max_seq_len " +
                    std::to_string(loaded.config.model.max_seq_len));
  }
  torch::NoGradGuard no_grad;
  auto tokens = torch::tensor(ids, torch::kLong).unsqueeze(0);
  auto logprobs = torch::log_softmax(loaded.net->inferLogits(tokens).squeeze(0), -1);
  // Token i (i >= 1) is scored by the prediction at position i - 1.
  for (size_t i = 1; i < ids.size(); ++i) {
    nlohmann::json line = {{"position", i - 1},
                           {"token", ids[i]},
                           {"text", tok.decode({static_cast<int32_t>(ids[i])})},
                           {"logprob", logprobs[static_cast<int64_t>(i) - 1][ids[i]].item<double>()}};
    std::cout << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }
  return kExitOk;
}

int runEval(const EvalCommand& command) {
  auto loaded = loadModelForInference(command.checkpoint);
  data::SourceConfig source;
  source.kind = command.format;
  source.path = command.data;
  auto load = data::loadSource(source, 0, [](const std::string& w) { std::cerr << "warning: " << w << "\n"; });
  auto records = load.load.records;
  if (command.limit > 0 && static_cast<int64_t>(records.size()) > command.limit) records.resize(command.limit);
  const int64_t seq_len = loaded.config.train.seq_len;
  auto stream = packRecords(records, *loaded.tokenizer, seq_len, loaded.config.data.packing);
  auto loss = evaluateLoss(*loaded.net, stream, 0, stream.numChunks(), command.batch, 0);
  auto answers = evaluateAnswers(*loaded.net, *loaded.tokenizer, records, command.max_new_tokens);
  const double mean = loss.mean();
  std::cout << "records " << records.size() << ", scored tokens " << loss.tokens << "\n"
            << "loss " << mean << "  perplexity " << std::exp(std::min(mean, 50.0)) << "  exact_match "
            << answers.exactMatch() << " (" << answers.correct << "/" << answers.answered << ")"
            << "  flexible " << answers.flexibleMatch() << " (" << answers.correct_flexible << "/"
            << answers.answered << ", last number of the answer)\n";
  // Per slice, weakest first, so what the model has not learnt is the first thing read.
  const Scalars slices = sliceScalars(answers);
  std::vector<std::pair<std::string, double>> ranked(slices.begin(), slices.end());
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  for (const auto& [name, value] : ranked) {
    if (name != wire::metric::kExactMatchWeakest) std::cout << "  " << name << " " << value << "\n";
  }
  nlohmann::json j = {{"records", records.size()},     {"tokens", loss.tokens},
                      {"loss", mean},                   {"perplexity", std::exp(std::min(mean, 50.0))},
                      {"exact_match", answers.exactMatch()}, {"correct", answers.correct},
                      {wire::metric::kExactMatchFlexible, answers.flexibleMatch()},
                      {"correct_flexible", answers.correct_flexible},
                      {"answered", answers.answered},   {"distinct_1", answers.distinct_1},
                      {"top_token_share", answers.top_token_share},
                      {"empty_answer_share", answers.empty_answer_share}};
  for (const auto& [name, value] : slices) j[name] = value;
  std::cout << j.dump() << "\n";
  return kExitOk;
}

int runTokenize(const TokenizeCommand& command) {
  WorkerConfig config = loadWorkerConfig(command.config, command.overrides);
  auto tokenizer = makeTokenizer(config.tokenizer);
  std::cout << nlohmann::json(tokenizer->encode(command.text)).dump() << "\n";
  return kExitOk;
}

}  // namespace cog::worker
