// cogworker entry point: parses flags, maps the environment into plain values once, and
// calls library functions. Errors become one clear line and an exit code.
#include <torch/torch.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "comms/bootstrap.hpp"
#include "common/crash_backtrace.hpp"
#include "common/environment_lookup.hpp"
#include "common/error.hpp"
#include "worker/blas/blas_core_startup.hpp"
#include "worker/commands.hpp"
#include "worker/demo.hpp"
#include "worker/exit_codes.hpp"
#include "worker/malloc/malloc_tuning.hpp"
#include "worker/model_summary.hpp"
#include "worker/smoke_step.hpp"
#include "worker/trainer.hpp"
#include "worker/version_info.hpp"

namespace {

using cog::worker::CoordinatorAddress;

// Set by SIGTERM/SIGINT (and SIGUSR1 while training); the trainer polls it at step boundaries. A second signal while
// the first is being honoured restores the default action, so Ctrl-C twice always quits.
std::atomic<bool> g_stop_requested{false};

void onStopSignal(int signo) {
  if (g_stop_requested.exchange(true)) std::signal(signo, SIG_DFL);
}

// Intra-op threads default to OMP_NUM_THREADS when set, else cores / ranks on this node, so
// N local ranks do not oversubscribe the machine.
int defaultThreads(const cog::comms::RankInfo& rank) {
  if (const char* omp = std::getenv("OMP_NUM_THREADS"); omp && std::atoi(omp) > 0) return std::atoi(omp);
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, cores / std::max(1, rank.local_size));
}

CoordinatorAddress coordinatorFromEnvironment() {
  CoordinatorAddress address;
  if (const char* endpoint = std::getenv("COG_COORDINATOR")) address.endpoint = endpoint;
  if (const char* job = std::getenv("COG_JOB")) address.job = job;
  if (const char* attempt = std::getenv("COG_ATTEMPT"); attempt && std::atoi(attempt) > 0) {
    address.attempt = std::atoi(attempt);
  }
  return address;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace cog::worker;
  cog::printBacktraceOnFatalSignal("cogworker");
  // First of all: OpenBLAS picked its kernels when it loaded, and on CPUs it does not know
  // they can be 4x slower than the CPU allows; this may re-execute cogworker with
  // OPENBLAS_CORETYPE set (worker/blas/blas_core_startup.hpp). The user's setting wins.
  const blas::BlasCoreDecision blas_core =
      blas::useFastestBlasCore(argv, cog::processEnvironment(), blas::loadedOpenblasCore());
  // Before the first tensor: freed tensor memory stays in the process (worker/malloc/).
  const std::string host_malloc =
      host_malloc::keepFreedMemoryInProcess(cog::processEnvironment());
  // The launcher's environment is mapped once, here (comms/bootstrap.hpp), and Open MPI's
  // tuning defaults for gradient buckets are set before MPI starts.
  cog::comms::applyMpiTuningDefaults();
  cog::comms::RankInfo rank_info;
  try {
    rank_info = cog::comms::rankInfoFromEnvironment(cog::processEnvironment());
  } catch (const std::exception& e) {
    std::cerr << "cogworker: " << errorKind(e) << ": " << e.what() << "\n";
    return exitCodeFor(e);
  }
  CLI::App app{"cogworker: trains and queries one Cognate model (one rank of a Cog job)"};
  app.require_subcommand(0, 1);
  bool show_version = false;
  int threads = defaultThreads(rank_info);
  app.add_flag("--version", show_version, "Print versions, the BLAS in use and collectives compiled in");
  app.add_option("--threads", threads, "LibTorch intra-op threads (default: cores / local ranks)")
      ->check(CLI::PositiveNumber);

  TrainCommand train;
  auto* train_cmd = app.add_subcommand("train", "Train a model from a YAML config");
  train_cmd->add_option("--config", train.config, "Model/training config (configs/models/*.yaml)")->required()->check(CLI::ExistingFile);
  train_cmd->add_option("--set", train.overrides, "Override a config key: key.path=value (repeatable)");
  train_cmd->add_option("--run-dir", train.run_dir, "Where checkpoints and metrics.jsonl go (default runs/<config name>)");
  train_cmd->add_flag("--resume", train.resume, "Continue exactly from the newest checkpoint in the run dir");
  train_cmd->add_option("--init-from", train.init_from,
                        "Start from this checkpoint (weights, optimizer, data position) when the run dir has none")
      ->check(CLI::ExistingDirectory);
  // A coordinator launching the job sets these through the environment (COG_COORDINATOR,
  // COG_JOB, COG_ATTEMPT); flags win.
  train.coordinator = coordinatorFromEnvironment();
  train_cmd->add_option("--coordinator", train.coordinator.endpoint, "Report to this cogcoord (tcp://host:port)");
  train_cmd->add_option("--job", train.coordinator.job, "Job name the coordinator knows this run by");
  train_cmd->add_option("--attempt", train.coordinator.attempt, "Attempt number of this job")->check(CLI::PositiveNumber);

  GenerateCommand generate;
  auto* generate_cmd = app.add_subcommand("generate", "Continue a prompt with a trained model");
  generate_cmd->add_option("--checkpoint", generate.checkpoint, "Checkpoint directory")->required()->check(CLI::ExistingDirectory);
  generate_cmd->add_option("--prompt", generate.prompt, "Text to continue, e.g. \"Q: What is 25 + 17? A:\"")->required();
  generate_cmd->add_option("--max-new-tokens", generate.max_new_tokens, "Tokens to generate at most")->capture_default_str()->check(CLI::PositiveNumber);
  generate_cmd->add_option("--temperature", generate.temperature, "0 = greedy")->capture_default_str()->check(CLI::NonNegativeNumber);
  generate_cmd->add_option("--top-k", generate.top_k, "Sample from the k most likely tokens (0 = all)")->capture_default_str()->check(CLI::NonNegativeNumber);
  generate_cmd->add_option("--seed", generate.seed, "Sampling seed")->capture_default_str();

  ScoreCommand score;
  auto* score_cmd = app.add_subcommand("score", "Per-token log-probabilities of a text, as JSON lines");
  score_cmd->add_option("--checkpoint", score.checkpoint, "Checkpoint directory")->required()->check(CLI::ExistingDirectory);
  score_cmd->add_option("--text", score.text, "Text to score")->required();

  EvalCommand eval;
  auto* eval_cmd = app.add_subcommand("eval", "Loss, perplexity and exact match on a dataset file");
  eval_cmd->add_option("--checkpoint", eval.checkpoint, "Checkpoint directory")->required()->check(CLI::ExistingDirectory);
  eval_cmd->add_option("--data", eval.data, "Dataset file in its original format")->required()->check(CLI::ExistingFile);
  eval_cmd->add_option("--format", eval.format,
                       "gsm8k | svamp | mbpp | arc | arc_easy | arc_challenge | hellaswag | qa (JSONL {\"question\", \"answer\"})")
      ->required();
  eval_cmd->add_option("--max-new-tokens", eval.max_new_tokens, "Answer length limit")->capture_default_str()->check(CLI::PositiveNumber);
  eval_cmd->add_option("--limit", eval.limit, "Evaluate the first N records only (0 = all)")->capture_default_str()->check(CLI::NonNegativeNumber);

  std::vector<std::string> ask_checkpoints, ask_labels;
  auto* ask_cmd = app.add_subcommand("ask", "Ask trained models the original project's three test prompts");
  ask_cmd->add_option("--checkpoint", ask_checkpoints, "Checkpoint directory (repeatable: one row group per model)")
      ->required()->check(CLI::ExistingDirectory);
  ask_cmd->add_option("--label", ask_labels, "Name to show for each checkpoint, in order (default: the path)");

  TokenizeCommand tokenize;
  auto* tokenize_cmd = app.add_subcommand("tokenize", "Token ids of a text under a config's tokenizer, as JSON");
  tokenize_cmd->add_option("--config", tokenize.config, "Config whose tokenizer section to use")->required()->check(CLI::ExistingFile);
  tokenize_cmd->add_option("--set", tokenize.overrides, "Override a config key: key.path=value");
  tokenize_cmd->add_option("--text", tokenize.text, "Text to encode")->required();

  auto* summary = app.add_subcommand("summary", "Print a model's configuration and parameter counts");
  std::string preset = "default";
  std::string variant = "all";
  summary->add_option("--preset", preset, "default | tiny")->capture_default_str();
  summary->add_option("--variant", variant, "reasoning | memory | speed | all")->capture_default_str();

  SmokeOptions smoke_options;
  auto* smoke = app.add_subcommand("smoke", "A few forward/backward/optimizer steps on one fixed batch");
  smoke->add_option("--preset", smoke_options.preset, "default | tiny")->capture_default_str();
  smoke->add_option("--variant", smoke_options.variant, "reasoning | memory | speed")->capture_default_str();
  smoke->add_option("--batch", smoke_options.batch, "Sequences per batch")->check(CLI::PositiveNumber)->capture_default_str();
  smoke->add_option("--seq-len", smoke_options.seq_len, "Tokens per sequence")->check(CLI::PositiveNumber)->capture_default_str();
  smoke->add_option("--steps", smoke_options.steps, "Optimizer steps")->check(CLI::PositiveNumber)->capture_default_str();

  DemoOptions demo_options;
  auto* demo = app.add_subcommand(
      "demo", "One tiny model trained and asked the original prompts, no coordinator (`make demo` runs all three)");
  demo->add_option("--run-dir", demo_options.run_dir, "Where the demo run goes")->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  try {
    torch::set_num_threads(threads);
    if (show_version) {
      std::cout << formatVersionInfo(collectVersionInfo(blas::describeBlasCore(blas_core), host_malloc));
      return kExitOk;
    }
    if (*train_cmd) {
      std::signal(SIGTERM, onStopSignal);
      std::signal(SIGINT, onStopSignal);
      // deploy/slurm/cogworker.sbatch forwards Slurm's time-limit warning as SIGUSR1: a
      // SIGTERM sent with scancel marks the step cancelled, and srun may then kill the ranks
      // before rank 0 has written its checkpoint.
      std::signal(SIGUSR1, onStopSignal);
      train.default_threads = threads;
      train.rank = rank_info;
      train.stop_requested = &g_stop_requested;
      const int code = runTrain(train);
      // Everything a run leaves behind is durable by now (checkpoints fsynced, metrics.jsonl
      // flushed, the coordinator link closed, MPI finalized). Exiting without the static
      // destructors skips ~80 ms of LibTorch/OpenMP teardown, and a coordinator stopping a
      // job waits on exactly this exit (bench/coord_ingest measures it).
      std::cout.flush();
      std::cerr.flush();
      std::fflush(nullptr);
      std::_Exit(code);
    }
    if (*generate_cmd) return runGenerate(generate);
    if (*score_cmd) return runScore(score);
    if (*eval_cmd) return runEval(eval);
    if (*tokenize_cmd) return runTokenize(tokenize);
    if (*ask_cmd) {
      if (!ask_labels.empty() && ask_labels.size() != ask_checkpoints.size()) {
        throw cog::ConfigError("ask: " + std::to_string(ask_labels.size()) + " --label for " +
                          std::to_string(ask_checkpoints.size()) +
                          " --checkpoint: give one label per checkpoint, or none");
      }
      std::vector<AskedModel> models;
      for (size_t i = 0; i < ask_checkpoints.size(); ++i) {
        models.push_back({ask_labels.empty() ? ask_checkpoints[i] : ask_labels[i], ask_checkpoints[i]});
      }
      askOriginalPrompts(models, std::cout);
      return kExitOk;
    }
    if (*summary) {
      auto variants = variant == "all" ? cog::model::variantNames() : std::vector<std::string>{variant};
      for (const auto& v : variants) printModelSummary(cog::model::makeModelConfig(preset, v), std::cout);
      return kExitOk;
    }
    if (*smoke) {
      runSmokeSteps(smoke_options, std::cout);
      return kExitOk;
    }
    if (*demo) {
      std::signal(SIGTERM, onStopSignal);
      std::signal(SIGINT, onStopSignal);
      demo_options.threads = threads;
      demo_options.blas_core = blas::describeBlasCore(blas_core);
      demo_options.host_malloc = host_malloc;
      demo_options.stop_requested = &g_stop_requested;
      return runDemo(demo_options);
    }
    std::cout << app.help();
    return kExitOk;
  } catch (const InjectedFault& e) {
    std::cerr << "cogworker: injected fault: " << e.what() << "\n";
    return kExitInjectedFault;
  } catch (const std::exception& e) {
    std::cerr << "cogworker: " << errorKind(e) << ": " << e.what() << "\n";
    return exitCodeFor(e);
  }
}
