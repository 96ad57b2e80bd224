// A stand-in for cogworker in coordinator benchmarks (bench/coord_ingest): launched by
// cogcoord like a real worker (same flags, same COG_* environment), it reports Metrics as
// fast as the wire takes them instead of training. Its settings ride on the job's
// overrides: --set fake.reports=N (default 100000), --set fake.nan_at=K (report K carries
// a NaN loss, then it waits for the coordinator's stop and prints how long that took),
// --set fake.first_step=S (its reports are steps S, S+1, ...; the spoofing test's rogue
// claims future steps this way), --set fake.interval_ms=T (one report every T ms, like a
// training job, instead of as fast as possible; it then ends at a stop command, reporting
// `finished`), --set fake.checkpoint=PATH (with each report, a "checkpoint saved" at PATH:
// the spoofing test's forged checkpoint).
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <limits>
#include <string>
#include <thread>

#include "comms/wire/worker_link.hpp"

namespace {

using Clock = std::chrono::steady_clock;

int64_t setting(int argc, char** argv, const std::string& key, int64_t fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    const std::string arg = argv[i + 1];
    if (std::string(argv[i]) == "--set" && arg.rfind(key + "=", 0) == 0) return std::atoll(arg.c_str() + key.size() + 1);
  }
  return fallback;
}

std::string textSetting(int argc, char** argv, const std::string& key) {
  for (int i = 1; i + 1 < argc; ++i) {
    const std::string arg = argv[i + 1];
    if (std::string(argv[i]) == "--set" && arg.rfind(key + "=", 0) == 0) return arg.substr(key.size() + 1);
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace cog::wire;
  const char* endpoint = std::getenv("COG_COORDINATOR");
  if (!endpoint) {
    std::cerr << "fake_worker: COG_COORDINATOR is not set (run it through cogcoord)\n";
    return 2;
  }
  const int64_t reports = setting(argc, argv, "fake.reports", 100000);
  const int64_t nan_at = setting(argc, argv, "fake.nan_at", -1);
  const int64_t first_step = setting(argc, argv, "fake.first_step", 1);
  const int64_t interval_ms = setting(argc, argv, "fake.interval_ms", 0);
  const std::string checkpoint = textSetting(argc, argv, "fake.checkpoint");
  WorkerLinkOptions options;
  options.endpoint = endpoint;
  options.job = std::getenv("COG_JOB") ? std::getenv("COG_JOB") : "fake";
  options.attempt = std::getenv("COG_ATTEMPT") ? std::atoi(std::getenv("COG_ATTEMPT")) : 1;
  options.queue_capacity = 100000;
  options.curve = curveKeysFromEnvironment();
  Hello hello;
  hello.pid = ::getpid();
  hello.host = "localhost";
  hello.world_size = 1;
  WorkerLink link(options, hello);

  const auto start = Clock::now();
  for (int64_t step = 1; step <= reports; ++step) {
    Metrics m;
    m.step = first_step + step - 1;
    m.steps_in_epoch = reports;
    m.step_in_epoch = step;
    const double loss = step == nan_at ? std::numeric_limits<double>::quiet_NaN() : 2.0 + 1.0 / step;
    m.scalars = {{"loss", loss}, {"loss_window_mean", 2.0}, {"final_ce", 1.9}, {"act_bce", 0.1},
                 {"gate_entropy", 0.6}, {"lr_muon", 0.02}, {"lr_fallback", 0.003}, {"grad_norm", 0.5},
                 {"tokens_per_s", 1000}, {"step_seconds", 0.01}, {"comm_wait_seconds", 0},
                 {"seq_len", 64}, {"qk_clipped_heads", 0}};
    // The queue is large, but a benchmark must not drop: wait for room instead.
    while (!link.post(m)) std::this_thread::sleep_for(std::chrono::microseconds(50));
    if (!checkpoint.empty()) link.post(CheckpointSaved{m.step, std::filesystem::path(checkpoint).filename().string(), checkpoint, 0.001, true});
    link.markProgress(step);
    if (interval_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
      if (auto command = link.pollCommand(); command && command->kind == CommandKind::kStop) {
        link.post(RunFinished{m.step, RunEnd::kStopCommand, ""});
        link.close(std::chrono::seconds(5));
        std::cout << "fake_worker: stopped by the coordinator after " << step << " reports\n";
        return 0;
      }
    }
    if (step == nan_at) {
      const auto sent = Clock::now();
      while (Clock::now() - sent < std::chrono::seconds(10)) {
        if (auto command = link.pollCommand(); command && command->kind == CommandKind::kStop) {
          const double ms = std::chrono::duration<double, std::milli>(Clock::now() - sent).count();
          std::cout << "fake_worker: stop command " << ms << " ms after the NaN report was posted\n";
          link.post(RunFinished{step, RunEnd::kStopCommand, ""});
          const auto closing = Clock::now();
          link.close(std::chrono::seconds(5));
          std::cout << "fake_worker: link closed (final event flushed) in "
                    << std::chrono::duration<double, std::milli>(Clock::now() - closing).count() << " ms\n";
          return 0;
        }
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
      std::cout << "fake_worker: no stop command within 10 s of the NaN report\n";
      return 1;
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  link.post(RunFinished{reports, RunEnd::kCompleted, ""});
  link.close(std::chrono::seconds(30));
  const auto stats = link.stats();
  std::cout << "fake_worker: " << reports << " reports posted in " << seconds << " s, " << stats.sent
            << " frames sent, " << stats.dropped << " dropped\n";
  return stats.dropped == 0 ? 0 : 1;
}
