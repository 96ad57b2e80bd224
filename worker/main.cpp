// cogworker entry point: parses flags, maps the environment into plain values once, and
// calls library functions. Errors become one clear line and an exit code.
#include <torch/torch.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <thread>

#include "common/error.hpp"
#include "model/model_config.hpp"
#include "worker/exit_codes.hpp"
#include "worker/model_summary.hpp"
#include "worker/smoke_step.hpp"
#include "worker/version_info.hpp"

namespace {

// Intra-op threads default to cores / ranks on this node, so N local ranks do not
// oversubscribe the machine (the launcher tells us how many share it).
int defaultThreads() {
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int local_ranks = 1;
  for (const char* var : {"OMPI_COMM_WORLD_LOCAL_SIZE", "SLURM_NTASKS_PER_NODE"}) {
    if (const char* v = std::getenv(var)) {
      local_ranks = std::max(1, std::atoi(v));
      break;
    }
  }
  return std::max(1, cores / local_ranks);
}

int runDemo(int threads) {
  using namespace cog;
  std::cout << worker::formatVersionInfo(worker::collectVersionInfo()) << "\n";
  std::cout << "== The three Cognate variants at full size (preset default) ==\n";
  for (const auto& variant : model::variantNames()) {
    worker::printModelSummary(model::makeModelConfig("default", variant), std::cout);
  }
  std::cout << "\n== Forward / backward / MuGrokfast smoke steps (preset tiny, " << threads
            << " threads) ==\n";
  for (const auto& variant : model::variantNames()) {
    std::cout << variant << ":\n";
    worker::SmokeOptions options;
    options.variant = variant;
    auto report = worker::runSmokeSteps(options, std::cout);
    const bool fell = report.losses.back() < report.losses.front();
    std::cout << "  " << report.muon_tensors << " Muon + " << report.fallback_tensors
              << " AdamW tensors; loss " << std::setprecision(4) << report.losses.front() << " -> "
              << report.losses.back()
              << (fell ? " (falling)" : " (NOT falling)") << "\n";
    if (!fell) throw cog::InvariantError("smoke step: loss did not fall for variant " + variant);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cogworker: trains one Cognate model (one rank of a job)"};
  app.require_subcommand(0, 1);
  bool show_version = false;
  int threads = defaultThreads();
  app.add_flag("--version", show_version, "Print versions, the BLAS in use and collectives");
  app.add_option("--threads", threads, "LibTorch intra-op threads (default: cores / local ranks)")
      ->check(CLI::PositiveNumber);

  auto* summary = app.add_subcommand("summary", "Print a model's configuration and parameter counts");
  std::string preset = "default";
  std::string variant = "all";
  summary->add_option("--preset", preset, "default | tiny")->capture_default_str();
  summary->add_option("--variant", variant, "reasoning | memory | speed | all")->capture_default_str();

  auto* smoke = app.add_subcommand("smoke", "Run a few forward/backward/optimizer steps on one batch");
  cog::worker::SmokeOptions smoke_options;
  smoke->add_option("--preset", smoke_options.preset, "default | tiny")->capture_default_str();
  smoke->add_option("--variant", smoke_options.variant, "reasoning | memory | speed")->capture_default_str();
  smoke->add_option("--batch", smoke_options.batch, "sequences per batch")->check(CLI::PositiveNumber)->capture_default_str();
  smoke->add_option("--seq-len", smoke_options.seq_len, "tokens per sequence")->check(CLI::PositiveNumber)->capture_default_str();
  smoke->add_option("--steps", smoke_options.steps, "optimizer steps")->check(CLI::PositiveNumber)->capture_default_str();

  auto* demo = app.add_subcommand("demo", "The embedded default job (what `make demo` runs)");

  CLI11_PARSE(app, argc, argv);
  try {
    torch::set_num_threads(threads);
    if (show_version) {
      std::cout << cog::worker::formatVersionInfo(cog::worker::collectVersionInfo());
      return 0;
    }
    if (*summary) {
      auto variants = variant == "all" ? cog::model::variantNames() : std::vector<std::string>{variant};
      for (const auto& v : variants) {
        cog::worker::printModelSummary(cog::model::makeModelConfig(preset, v), std::cout);
      }
      return 0;
    }
    if (*smoke) {
      cog::worker::runSmokeSteps(smoke_options, std::cout);
      return 0;
    }
    if (*demo || app.get_subcommands().empty()) {
      if (!*demo) {
        std::cout << app.help();
        return 0;
      }
      return runDemo(threads);
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "cogworker: " << cog::worker::errorKind(e) << ": " << e.what() << "\n";
    return cog::worker::exitCodeFor(e);
  }
}
