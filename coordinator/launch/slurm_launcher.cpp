#include "coordinator/launch/slurm_launcher.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <fstream>
#include <sstream>

#include "common/error.hpp"
#include "coordinator/launch/command_runner.hpp"

namespace cog::coord {
namespace {

using std::chrono::milliseconds;

milliseconds millis(double seconds) { return milliseconds(static_cast<int64_t>(seconds * 1000)); }

bool invalidJobId(const CommandResult& r) {
  return r.err.find("Invalid job id") != std::string::npos ||
         r.out.find("Invalid job id") != std::string::npos;
}

}  // namespace

SlurmLauncher::SlurmLauncher(Executor executor, SlurmLauncherOptions options)
    : executor_(std::move(executor)),
      options_(std::move(options)),
      poll_timer_(executor_),
      interval_(millis(options_.script.slurm.poll_min_s)) {}

SlurmLauncher::~SlurmLauncher() {
  shutdown();
  poller_.join();
}

void SlurmLauncher::shutdown() {
  stopped_ = true;
  poll_timer_.cancel();
  for (auto& [id, job] : jobs_) {
    if (job.cancel_timer) job.cancel_timer->cancel();
  }
}

int64_t SlurmLauncher::start(const LaunchRequest& request, ExitCallback on_exit) {
  const auto script = request.run_dir / "slurm.sbatch";
  {
    std::ofstream file(script);
    file << slurmBatchScript(options_.script, request);
    if (!file.flush()) throw Error(script.string() + ": cannot write the batch script");
  }
  const auto result = runCommand({options_.sbatch, "--parsable", script.string()}, options_.command_limit);
  if (!result.ok()) throw Error(result.describe(options_.sbatch));
  const int64_t id = parseSbatchId(result.out);
  Job job;
  job.on_exit = std::move(on_exit);
  job.last.id = id;  // state unknown until the first poll: not shown as queued before it says so
  jobs_[id] = std::move(job);
  pollSoon();
  return id;
}

void SlurmLauncher::stop(int64_t id, milliseconds grace) {
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return;
  if (it->second.last.phase() == SlurmPhase::kQueued) {
    kill(id);  // nothing runs yet: nothing to checkpoint
    return;
  }
  // Only the steps (every rank), not the batch shell: srun then ends with its tasks. USR1,
  // which cogworker train honours as it does SIGTERM: a SIGTERM sent by scancel marks the
  // step cancelled, and srun may kill the ranks before rank 0 has checkpointed.
  scancel({"--signal=USR1", std::to_string(id)});
  pollSoon();
  if (it->second.cancel_timer) return;  // already stopping: keep the first deadline
  it->second.cancel_timer = std::make_unique<boost::asio::steady_timer>(executor_, grace);
  it->second.cancel_timer->async_wait([this, id](const boost::system::error_code& ec) {
    if (ec || stopped_ || !jobs_.count(id)) return;
    scancel({std::to_string(id)});
    pollSoon();
  });
}

void SlurmLauncher::kill(int64_t id) {
  if (!jobs_.count(id)) return;
  scancel({std::to_string(id)});
  pollSoon();
}

std::optional<std::string> SlurmLauncher::queuedReason(int64_t id) const {
  auto it = jobs_.find(id);
  if (it == jobs_.end() || it->second.last.phase() != SlurmPhase::kQueued) return std::nullopt;
  const std::string& reason = it->second.last.reason;
  return reason.empty() || reason == "None" ? it->second.last.state : reason;
}

Adoption SlurmLauncher::adoptOrTerminate(const OpenAttempt& attempt, milliseconds /*grace*/,
                                         ExitCallback on_exit) {
  if (attempt.launch_id <= 0) {
    // Submitted perhaps, but its id was never stored: found by name, and cancelled.
    const std::string name = slurmJobName(options_.script.experiment, attempt.job, attempt.attempt);
    const auto r = runCommand({options_.squeue, "--noheader", "--format=%i", "--name=" + name},
                              options_.command_limit);
    std::istringstream ids(r.out);
    std::string line;
    while (std::getline(ids, line)) {
      if (!line.empty()) runCommand({options_.scancel, line}, options_.command_limit);
    }
    return Adoption::kGone;
  }
  const auto r = runCommand({options_.scontrol, "show", "job", "-o", std::to_string(attempt.launch_id)},
                            options_.command_limit);
  const auto info = r.ok() ? parseScontrolJob(r.out) : std::nullopt;
  if (!info || info->phase() == SlurmPhase::kEnded) return Adoption::kGone;
  Job job;
  job.on_exit = std::move(on_exit);
  job.last = *info;
  jobs_[attempt.launch_id] = std::move(job);
  pollSoon();
  return Adoption::kAdopted;
}

void SlurmLauncher::scancel(std::vector<std::string> args) {
  args.insert(args.begin(), options_.scancel);
  const auto limit = options_.command_limit;
  boost::asio::post(poller_, [args, limit] { runCommand(args, limit); });
}

// The next poll as soon as the minimum interval allows, with the backoff reset.
void SlurmLauncher::pollSoon() {
  interval_ = millis(options_.script.slurm.poll_min_s);
  if (polling_ || stopped_) return;  // the running poll schedules the next one
  const auto earliest = last_poll_ + interval_;
  const auto now = std::chrono::steady_clock::now();
  schedulePoll(earliest > now ? std::chrono::duration_cast<milliseconds>(earliest - now)
                              : milliseconds(0));
}

void SlurmLauncher::schedulePoll(milliseconds delay) {
  poll_timer_.expires_after(delay);
  poll_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_ || polling_ || jobs_.empty()) return;
    polling_ = true;
    last_poll_ = std::chrono::steady_clock::now();
    std::vector<int64_t> ids;
    for (const auto& [id, job] : jobs_) ids.push_back(id);
    // The guard keeps the io_context running while the poll is away on poller_.
    boost::asio::post(poller_, [this, ids, guard = boost::asio::make_work_guard(executor_)] {
      auto result = poll(ids);
      boost::asio::post(executor_, [this, result = std::move(result)] {
        polling_ = false;
        if (!stopped_) apply(result);
      });
    });
  });
}

SlurmLauncher::PollResult SlurmLauncher::poll(const std::vector<int64_t>& ids) const {
  PollResult result;
  std::string list;
  for (int64_t id : ids) list += (list.empty() ? "" : ",") + std::to_string(id);
  const auto q = runCommand({options_.squeue, "--noheader", "--states=all",
                             std::string("--format=") + kSqueueFormat, "--jobs=" + list},
                            options_.command_limit);
  if (!q.ok() && !invalidJobId(q)) {
    result.error = q.describe(options_.squeue);
    return result;
  }
  result.ok = true;
  result.listed = parseSqueue(q.out);
  for (int64_t id : ids) {
    auto it = result.listed.find(id);
    if (it != result.listed.end() && it->second.phase() != SlurmPhase::kEnded) continue;
    // Ended, or gone from slurmctld's memory (MinJobAge): its exit code from scontrol.
    const auto s = runCommand({options_.scontrol, "show", "job", "-o", std::to_string(id)},
                              options_.command_limit);
    if (s.ok()) {
      if (auto info = parseScontrolJob(s.out); info && info->phase() == SlurmPhase::kEnded) {
        result.ended[id] = *info;
        continue;
      }
    }
    if (it != result.listed.end()) {
      result.ended[id] = it->second;  // ended per squeue; exit code unknown
    } else if (invalidJobId(s)) {
      SlurmJobInfo gone;
      gone.id = id;
      gone.state = "FAILED";
      gone.reason = "gone from slurmctld";
      result.ended[id] = gone;
    }
  }
  return result;
}

void SlurmLauncher::apply(const PollResult& result) {
  bool changed = false;
  std::vector<std::pair<ExitCallback, ExitStatus>> ended;
  if (result.ok) {
    for (auto& [id, job] : jobs_) {
      auto it = result.listed.find(id);
      if (it == result.listed.end()) continue;
      changed = changed || it->second.state != job.last.state || it->second.reason != job.last.reason;
      job.last = it->second;
    }
    for (const auto& [id, info] : result.ended) {
      auto it = jobs_.find(id);
      if (it == jobs_.end()) continue;
      if (it->second.cancel_timer) it->second.cancel_timer->cancel();
      ended.emplace_back(std::move(it->second.on_exit), slurmExitStatus(info));
      jobs_.erase(it);
      changed = true;
    }
  }
  // A failed squeue (slurmctld restarting) is retried with the same backoff as no change.
  const auto max = millis(options_.script.slurm.poll_max_s);
  interval_ = changed ? millis(options_.script.slurm.poll_min_s) : std::min(interval_ * 2, max);
  if (!jobs_.empty()) schedulePoll(interval_);
  for (auto& [callback, status] : ended) callback(status);
}

}  // namespace cog::coord
