#include "coordinator/launch/slurm_job.hpp"

#include <cctype>
#include <set>
#include <sstream>

#include "common/error.hpp"

namespace cog::coord {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::optional<int64_t> parseId(const std::string& text) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return std::stoll(text);
}

}  // namespace

SlurmPhase slurmPhase(const std::string& state) {
  // Slurm 22.05's job states (squeue(1), JOB STATE CODES).
  static const std::set<std::string> queued = {"PENDING",      "REQUEUED",     "REQUEUE_FED",
                                               "REQUEUE_HOLD", "CONFIGURING",  "RESV_DEL_HOLD"};
  static const std::set<std::string> ended = {
      "COMPLETED", "FAILED",   "CANCELLED", "TIMEOUT",      "PREEMPTED", "NODE_FAIL",
      "BOOT_FAIL", "DEADLINE", "OUT_OF_MEMORY", "SPECIAL_EXIT", "REVOKED"};
  if (queued.count(state)) return SlurmPhase::kQueued;
  if (ended.count(state)) return SlurmPhase::kEnded;
  // RUNNING, COMPLETING (its processes are still being cleaned up), SUSPENDED, SIGNALING,
  // STAGE_OUT, STOPPED, RESIZING, and any state a later Slurm adds: not over yet.
  return SlurmPhase::kRunning;
}

SlurmPhase SlurmJobInfo::phase() const { return slurmPhase(state); }

int64_t parseSbatchId(const std::string& output) {
  const std::string text = trim(output);
  const auto id = parseId(text.substr(0, text.find(';')));
  if (!id || *id <= 0) throw Error("sbatch --parsable printed '" + text + "', not a job id");
  return *id;
}

std::map<int64_t, SlurmJobInfo> parseSqueue(const std::string& output) {
  std::map<int64_t, SlurmJobInfo> jobs;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    line = trim(line);
    const auto a = line.find('|');
    const auto b = a == std::string::npos ? a : line.find('|', a + 1);
    if (b == std::string::npos) continue;
    const auto id = parseId(line.substr(0, a));
    if (!id) continue;
    SlurmJobInfo info;
    info.id = *id;
    info.state = line.substr(a + 1, b - a - 1);
    info.reason = line.substr(b + 1);
    jobs[info.id] = info;
  }
  return jobs;
}

std::optional<SlurmJobInfo> parseScontrolJob(const std::string& output) {
  std::map<std::string, std::string> fields;
  std::istringstream words(output);
  std::string word;
  while (words >> word) {
    const auto eq = word.find('=');
    if (eq != std::string::npos && !fields.count(word.substr(0, eq)))
      fields[word.substr(0, eq)] = word.substr(eq + 1);
  }
  const auto id = fields.count("JobId") ? parseId(fields["JobId"]) : std::nullopt;
  if (!id || !fields.count("JobState")) return std::nullopt;
  SlurmJobInfo info;
  info.id = *id;
  info.state = fields["JobState"];
  info.reason = fields.count("Reason") ? fields["Reason"] : "";
  info.exit_code = fields.count("ExitCode") ? fields["ExitCode"] : "";
  return info;
}

ExitStatus slurmExitStatus(const SlurmJobInfo& job) {
  ExitStatus status;
  status.scheduler_state = job.state;
  const auto colon = job.exit_code.find(':');
  if (colon != std::string::npos) {
    status.exit_code = parseId(job.exit_code.substr(0, colon)).value_or(0);
    status.signal = static_cast<int>(parseId(job.exit_code.substr(colon + 1)).value_or(0));
    if (status.signal != 0) status.exit_code = -1;
  }
  const std::string& s = job.state;
  if (s == "TIMEOUT" || s == "DEADLINE") status.scheduler = SchedulerEnd::kTimeLimit;
  if (s == "PREEMPTED") status.scheduler = SchedulerEnd::kPreempted;
  if (s == "OUT_OF_MEMORY") status.scheduler = SchedulerEnd::kOutOfMemory;
  if (s == "NODE_FAIL" || s == "BOOT_FAIL") status.scheduler = SchedulerEnd::kNodeFail;
  if (s == "CANCELLED") status.scheduler = SchedulerEnd::kCancelled;
  if (s == "COMPLETED") status.scheduler_state.clear();  // an ordinary exit: its code says it all
  if (s != "COMPLETED" && status.exit_code == 0 && status.signal == 0 &&
      status.scheduler == SchedulerEnd::kNone) {
    status.exit_code = 1;  // FAILED / SPECIAL_EXIT / REVOKED with 0:0
  }
  return status;
}

std::string slurmJobName(const std::string& experiment, const std::string& job, int attempt) {
  std::string name = "cog-" + experiment + "-" + job + "-a" + std::to_string(attempt);
  for (auto& c : name) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
    if (!ok) c = '_';
  }
  return name;
}

}  // namespace cog::coord
