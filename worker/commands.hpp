#pragma once
// The cogworker subcommands as library functions: main.cpp only parses flags into these
// option structs. Each returns the process exit code; errors are thrown as cog::Error.
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "comms/collective.hpp"

namespace cog::worker {

// Where rank 0 reports when a coordinator launched the job (flags, else COG_COORDINATOR,
// COG_JOB, COG_ATTEMPT mapped once in main). An empty endpoint = no coordinator.
struct CoordinatorAddress {
  std::string endpoint;  // tcp://127.0.0.1:5555
  std::string job;
  int attempt = 1;
};

struct TrainCommand {
  std::string config;
  std::vector<std::string> overrides;  // --set key.path=value
  std::string run_dir;                 // default: runs/<config file stem>
  bool resume = false;
  std::string init_from;               // checkpoint to start from when run_dir has none
  CoordinatorAddress coordinator;
  int default_threads = 1;             // used when train.threads is 0
  comms::RankInfo rank;                // from the launcher's environment (bootstrap.hpp)
  // Raised by SIGTERM/SIGINT: the trainer stops at the next step boundary, and a collective
  // stuck on a dead peer gives up (see CollectiveOptions::abort_requested).
  const std::atomic<bool>* stop_requested = nullptr;
};
int runTrain(const TrainCommand& command);

struct GenerateCommand {
  std::string checkpoint;
  std::string prompt;
  int64_t max_new_tokens = 64;
  double temperature = 0.0;
  int64_t top_k = 0;
  uint64_t seed = 0;
};
int runGenerate(const GenerateCommand& command);

struct ScoreCommand {
  std::string checkpoint;
  std::string text;
};
int runScore(const ScoreCommand& command);

struct EvalCommand {
  std::string checkpoint;
  std::string data;
  std::string format;  // gsm8k | svamp | mbpp | arc | arc_easy | arc_challenge | hellaswag | qa
  int64_t max_new_tokens = 32;
  int64_t limit = 0;   // 0 = every record
  int64_t batch = 8;
};
int runEval(const EvalCommand& command);

struct TokenizeCommand {
  std::string config;
  std::vector<std::string> overrides;
  std::string text;
};
int runTokenize(const TokenizeCommand& command);

}  // namespace cog::worker
