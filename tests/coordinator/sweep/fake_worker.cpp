// A stand-in for cogworker in the sweep smoke test (sweep_smoke_test.sh): torch-free, it
// "trains" one epoch every COG_FAKE_EPOCH_MS (default 300) and reports as cogworker does,
// over the wire (WorkerLink: Hello, heartbeats) and into RUN/metrics.jsonl: per epoch a
// validation whose val_loss follows a synthetic learning curve of optim.muon_lr, then an
// epoch-NNNN checkpoint (a folder holding its epoch count), and at the end `finished`. A stop
// command checkpoints `final` and ends the run, as cogworker's does. --init-from resumes at
// the checkpoint's epoch. Also the victim job of the wire spoofing test
// (tests/integration/wire_security_test.sh), so it uses the attempt's CURVE keys as cogworker does.
//
//   cog_fake_worker train --config C --run-dir D [--set k=v]... [--init-from CHECKPOINT_DIR]
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "comms/wire/jsonl_codec.hpp"
#include "comms/wire/worker_link.hpp"

namespace {

namespace fs = std::filesystem;

double curve(double lr, int64_t epochs) {
  const double d = std::log10(lr) - std::log10(0.02);
  const double floor = 0.3 + 0.5 * d * d;
  return floor + (2.0 - floor) * std::exp(-0.6 * static_cast<double>(epochs));
}

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

}  // namespace

int main(int argc, char** argv) {
  std::string run_dir;
  std::string init_from;
  double lr = 0.01;
  int64_t epochs = 1;
  for (int i = 1; i + 1 < argc; ++i) {
    const std::string arg = argv[i];
    const std::string value = argv[i + 1];
    if (arg == "--run-dir") run_dir = value;
    if (arg == "--init-from") init_from = value;
    if (arg == "--set" && value.rfind("optim.muon_lr=", 0) == 0) lr = std::stod(value.substr(14));
    if (arg == "--set" && value.rfind("train.epochs=", 0) == 0)
      epochs = std::stoll(value.substr(13));
  }
  if (run_dir.empty()) {
    std::fprintf(stderr, "cog_fake_worker: --run-dir missing\n");
    return 2;
  }
  int64_t epoch = 0;
  if (!init_from.empty()) std::ifstream(fs::path(init_from) / "epoch") >> epoch;
  const int epoch_ms = *env("COG_FAKE_EPOCH_MS") ? std::atoi(env("COG_FAKE_EPOCH_MS")) : 300;

  fs::create_directories(run_dir);
  std::ofstream log(fs::path(run_dir) / "metrics.jsonl", std::ios::app);
  std::unique_ptr<cog::wire::WorkerLink> link;
  if (*env("COG_COORDINATOR")) {
    cog::wire::WorkerLinkOptions options;
    options.endpoint = env("COG_COORDINATOR");
    options.job = env("COG_JOB");
    options.attempt = std::atoi(env("COG_ATTEMPT"));
    options.curve = cog::wire::curveKeysFromEnvironment();  // COG_CURVE_FILE, when the wire has CURVE
    cog::wire::Hello hello;
    hello.pid = ::getpid();
    hello.host = "localhost";
    hello.world_size = 1;
    hello.run_dir = run_dir;
    hello.start_step = epoch * 100;
    link = std::make_unique<cog::wire::WorkerLink>(options, hello);
  }
  auto report = [&](const cog::wire::Message& m) {
    log << cog::wire::encodeJsonLine(m) << "\n";
    log.flush();
    if (link) link->post(m);
  };
  auto checkpoint = [&](const std::string& name, double val_loss) {
    const auto path = fs::path(run_dir) / "checkpoints" / name;
    fs::create_directories(path);
    std::ofstream(path / "epoch") << epoch << "\n";
    cog::wire::CheckpointSaved c;
    c.step = epoch * 100;
    c.name = name;
    c.path = path.string();
    c.val_loss = val_loss;
    report(c);
  };
  auto finish = [&](cog::wire::RunEnd reason) {
    cog::wire::RunFinished finished;
    finished.step = epoch * 100;
    finished.reason = reason;
    report(finished);
    if (link) link->close(std::chrono::milliseconds(2000));
    return 0;
  };

  double val_loss = NAN;
  while (epoch < epochs) {
    for (int waited = 0; waited < epoch_ms; waited += 10) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      if (!link) continue;
      if (const auto command = link->pollCommand();
          command && command->kind == cog::wire::CommandKind::kStop) {
        checkpoint("final", val_loss);
        return finish(cog::wire::RunEnd::kStopCommand);
      }
    }
    epoch += 1;
    if (link) link->markProgress(epoch * 100);
    cog::wire::Validation v;
    v.step = epoch * 100;
    v.epoch = epoch - 1;  // cogworker reports the 0-based epoch it just finished
    val_loss = curve(lr, epoch);
    v.scalars = {{"val_loss", val_loss}, {"exact_match", 0.0}};
    report(v);
    if (epoch < epochs) {
      char name[32];
      std::snprintf(name, sizeof name, "epoch-%04lld", static_cast<long long>(epoch));
      checkpoint(name, val_loss);
    }
  }
  checkpoint("final", val_loss);
  return finish(cog::wire::RunEnd::kCompleted);
}
