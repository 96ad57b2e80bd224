// JobSupervisor's inputs: what arrives from the worker, the launcher and the clock.
// Decisions that end or replace an attempt are in job_supervisor_decisions.cpp.
#include "coordinator/core/job_supervisor.hpp"

#include <algorithm>
#include <cmath>

#include "comms/wire/metric_names.hpp"
#include "coordinator/core/supervisor_live.hpp"
#include "coordinator/status_view.hpp"

namespace cog::coord {

JobSupervisor::JobSupervisor(JobSpec spec, SupervisorConfig config)
    : spec_(std::move(spec)),
      config_(std::move(config)),
      policies_(std::make_unique<PolicySet>(config_.policies)) {
  row_.id = spec_.name;
  row_.experiment_id = config_.experiment_id;
  row_.model_config = spec_.config;
  row_.state = JobState::kQueued;
  row_.ranks = spec_.ranks;
  row_.slots = spec_.slots;
  if (!config_.checkpoint_exists)
    config_.checkpoint_exists = [](const std::string&) { return true; };
}

JobSupervisor::~JobSupervisor() = default;

void JobSupervisor::restore(const JobRow& row, const std::vector<AttemptRow>& attempts,
                            const std::vector<CheckpointRow>& checkpoints,
                            const std::vector<ValidationRow>& validations) {
  // The experiment file may have changed ranks or slots since: this run's spec wins.
  row_ = row;
  row_.ranks = spec_.ranks;
  row_.slots = spec_.slots;
  attempts_ = attempts;
  checkpoints_ = checkpoints;
  validations_ = validations;
  // Early stopping continues where it was: the stored validations are replayed into it
  // (verdicts they would give were already acted on, so they are dropped).
  for (const auto& v : validations_) policies_->onValidation(v);
  if (!attempts_.empty()) {
    const auto& last = attempts_.back();
    adjustments_ = {last.lr_factor, last.grokfast_lambda_factor, last.fresh_warmup};
    operator_overrides_ = last.operator_overrides;
    next_kind_ = AttemptKind::kResume;
  }
  // A job that had not ended waits for its slots again (or is adopted: onAdopted).
  if (!isEnded(row_.state) || row_.state == JobState::kInterrupted) {
    row_.state = JobState::kQueued;
    row_.end_reason.clear();
  }
  changed();
}

std::optional<AttemptRow> JobSupervisor::openAttempt() const {
  if (attempts_.empty() || attempts_.back().end != AttemptEnd::kOpen) return std::nullopt;
  return attempts_.back();
}

bool JobSupervisor::wantsSlots() const {
  return row_.state == JobState::kQueued && !interrupted_ && !openAttempt();
}

const AttemptRow* JobSupervisor::currentAttempt() const {
  return attempts_.empty() ? nullptr : &attempts_.back();
}

int64_t JobSupervisor::launchId() const {
  return attempts_.empty() ? 0 : attempts_.back().launch_id;
}

AttemptRow* JobSupervisor::attempt(int number) {
  for (auto& a : attempts_) {
    if (a.attempt == number) return &a;
  }
  return nullptr;
}

bool JobSupervisor::isCurrent(int attempt) const {
  return live_ && !attempts_.empty() && attempts_.back().attempt == attempt;
}

// Any message of the current attempt: it is alive, and (if it was starting) running.
void JobSupervisor::heard(int attempt, Instant now) {
  if (!isCurrent(attempt)) return;
  live_->last_heard = now.steady;
  live_->heard_from = true;
  if (row_.state == JobState::kLaunching || row_.state == JobState::kQueued) {
    row_.state = JobState::kRunning;
    row_.end_reason.clear();
    changed();
  }
}

bool JobSupervisor::attemptLive() const { return live_ && !live_->exit_known && !live_->log_requested; }
bool JobSupervisor::attemptDiverged() const {
  return live_ && live_->planned == PlannedEnd::kDiverged;
}

Actions JobSupervisor::start(Instant now) {
  Actions out;
  if (!wantsSlots()) return out;
  startRequested(out, now);
  return out;
}

Actions JobSupervisor::onLaunched(int attempt_number, int64_t launch_id, Instant now) {
  Actions out;
  AttemptRow* a = attempt(attempt_number);
  if (!isCurrent(attempt_number) || a == nullptr) return out;
  a->launch_id = launch_id;
  live_->launched_at = now.steady;
  out.push_back(SaveAttempt{*a, false});
  return out;
}

Actions JobSupervisor::onSchedulerQueue(int attempt_number, const std::optional<std::string>& reason,
                                        Instant now) {
  Actions out;
  const bool waiting_state = row_.state == JobState::kLaunching || row_.state == JobState::kQueued;
  if (!isCurrent(attempt_number) || live_->heard_from || live_->exit_known || !waiting_state ||
      live_->planned != PlannedEnd::kNone) {
    return out;
  }
  if (!reason) {
    if (row_.state == JobState::kQueued) {
      row_.state = JobState::kLaunching;  // it runs: the startup timeout counts from now
      row_.end_reason.clear();
      live_->launched_at = now.steady;
      changed();
    }
    return out;
  }
  live_->launched_at = now.steady;
  const std::string text = "Slurm: " + *reason;
  if (row_.state == JobState::kQueued && row_.end_reason == text) return out;
  row_.state = JobState::kQueued;
  row_.end_reason = text;
  changed();
  decide(out, "pending",
         "attempt " + std::to_string(attempt_number) + " waits in the Slurm queue (" + *reason + ")");
  return out;
}

Actions JobSupervisor::onLaunchFailed(int attempt_number, const std::string& error, Instant now) {
  Actions out;
  if (!isCurrent(attempt_number)) return out;
  endAttempt(out, AttemptEnd::kLaunchFailed, "launch failed: " + error, now);
  live_.reset();
  endJob(out, JobState::kFailed,
         "attempt " + std::to_string(attempt_number) + " could not be started: " + error);
  return out;
}

Actions JobSupervisor::onAdopted(int attempt_number, Instant now) {
  Actions out;
  AttemptRow* a = attempt(attempt_number);
  if (a == nullptr || a->end != AttemptEnd::kOpen) return out;
  live_ = std::make_unique<Live>(attempt_number, now.steady);
  policies_->newAttempt(a->start_step);
  row_.state = JobState::kLaunching;  // running again once it is heard from
  changed();
  decide(out, "adopt",
         "attempt " + std::to_string(attempt_number) +
             " outlived the previous coordinator: watching it");
  return out;
}

Actions JobSupervisor::onAttemptLost(int attempt_number, Instant now) {
  Actions out;
  AttemptRow* a = attempt(attempt_number);
  if (a == nullptr || a->end != AttemptEnd::kOpen) return out;
  // Concluded like any ended attempt: its log is read first, then the decision. A divergence
  // stored with it means the coordinator died during the divergence stop: roll back.
  live_ = std::make_unique<Live>(attempt_number, now.steady);
  live_->planned = a->diverged_at_step >= 0 ? PlannedEnd::kDiverged : PlannedEnd::kCoordinatorLost;
  live_->exit = ExitStatus{};
  live_->exit_known = false;
  live_->exited_at = now.steady;
  row_.state = JobState::kConcluding;
  changed();
  live_->log_requested = true;
  out.push_back(ReadAttemptLog{attempt_number, a->run_dir});
  return out;
}

Actions JobSupervisor::onHello(int attempt_number, const wire::Hello& /*hello*/, Instant now) {
  heard(attempt_number, now);
  return {};
}

Actions JobSupervisor::onHeartbeat(int attempt_number, const wire::Heartbeat& beat, Instant now) {
  heard(attempt_number, now);
  if (isCurrent(attempt_number) && beat.progress != live_->progress) {
    live_->progress = beat.progress;
    live_->last_progress = now.steady;
  }
  return {};
}

Actions JobSupervisor::onMetrics(const MetricRow& row, double eta_s, Instant now) {
  Actions out;
  heard(row.attempt, now);
  if (!isCurrent(row.attempt)) return out;  // a late report of an ended attempt: stored only
  live_->last_progress = now.steady;        // a report is progress too
  row_.step = row.step;
  row_.epoch = row.epoch;
  row_.last_metrics = row.scalars;
  row_.last_metrics.emplace_back(wire::metric::kEtaS, eta_s);
  changed();
  if (row_.state != JobState::kRunning || live_->planned != PlannedEnd::kNone) return out;
  if (auto verdict = policies_->onMetrics(row)) act(out, *verdict, now);
  return out;
}

Actions JobSupervisor::onValidation(const ValidationRow& row, Instant now) {
  Actions out;
  heard(row.attempt, now);
  bool known = false;
  for (const auto& v : validations_)
    known = known || (v.attempt == row.attempt && v.step == row.step);
  if (!known) validations_.push_back(row);
  if (!isCurrent(row.attempt) || known) return out;
  live_->last_progress = now.steady;
  row_.step = std::max(row_.step, row.step);  // the last epoch ends between metric reports
  const double val_loss = scalarOr(row.scalars, wire::metric::kValLoss);
  const double exact = scalarOr(row.scalars, wire::metric::kExactMatch);
  if (std::isfinite(val_loss) &&
      (std::isnan(row_.best_val_loss) || val_loss < row_.best_val_loss)) {
    row_.best_val_loss = val_loss;
  }
  if (std::isfinite(exact) &&
      (std::isnan(row_.best_exact_match) || exact > row_.best_exact_match)) {
    row_.best_exact_match = exact;
  }
  changed();
  out.push_back(Announce{row_.id + "#" + std::to_string(row.attempt) + " validation at step " +
                         std::to_string(row.step) + ": " + describeValidation(row.scalars)});
  if (row_.state != JobState::kRunning || live_->planned != PlannedEnd::kNone) return out;
  if (auto verdict = policies_->onValidation(row)) act(out, *verdict, now);
  return out;
}

// A checkpoint saved at or after the step a divergence rule condemned (in this attempt) is
// never a rollback target, however late its report arrives.
Actions JobSupervisor::onCheckpointSaved(int attempt_number, const wire::CheckpointSaved& saved,
                                         Instant now) {
  Actions out;
  heard(attempt_number, now);
  for (const auto& c : checkpoints_) {
    if (c.path == saved.path && c.step == saved.step) return out;  // reported twice (wire and log)
  }
  // Retention may already have deleted it (its second report, from the log at the attempt's
  // end, comes after the prune): recording it again would prune it twice.
  if (pruned_.count(saved.path) != 0 || !config_.checkpoint_exists(saved.path)) return out;
  CheckpointRow row;
  row.job_id = row_.id;
  row.attempt = attempt_number;
  row.step = saved.step;
  row.name = saved.name;
  row.path = saved.path;
  row.val_loss = saved.val_loss;
  if (std::isnan(row.val_loss)) {
    for (const auto& v : validations_) {
      if (v.attempt == attempt_number && v.step == saved.step)
        row.val_loss = scalarOr(v.scalars, wire::metric::kValLoss);
    }
  }
  const AttemptRow* a = attempt(attempt_number);
  const bool condemned =
      a != nullptr && a->diverged_at_step >= 0 && saved.step >= a->diverged_at_step;
  row.healthy = saved.healthy && !condemned;
  row.time = now.wall;
  checkpoints_.push_back(row);
  if (isCurrent(attempt_number)) live_->last_progress = now.steady;
  out.push_back(StoreCheckpoint{row});
  pruneCheckpoints(out);
  return out;
}

Actions JobSupervisor::onRunFinished(int attempt_number, const wire::RunFinished& finished,
                                     Instant now) {
  heard(attempt_number, now);
  if (isCurrent(attempt_number) && !live_->worker_end) {
    live_->worker_end = finished.reason;
    live_->worker_detail = finished.detail;
  }
  return {};
}

Actions JobSupervisor::onProcessExited(int attempt_number, const ExitStatus& status, Instant now) {
  Actions out;
  if (!isCurrent(attempt_number) || live_->exit_known || live_->log_requested) return out;
  live_->exit = status;
  live_->exit_known = true;
  live_->exited_at = now.steady;
  row_.state = JobState::kConcluding;
  changed();
  applyTimeouts(out, now);  // settles at once when the worker already said goodbye
  return out;
}

Actions JobSupervisor::onLogRead(int attempt_number, Instant now) {
  Actions out;
  if (!isCurrent(attempt_number) || !live_->log_requested) return out;
  conclude(out, now);
  return out;
}

Actions JobSupervisor::tick(Instant now) {
  Actions out;
  if (live_) applyTimeouts(out, now);
  return out;
}

// The clock's decisions for the current attempt, in the order they can arise.
void JobSupervisor::applyTimeouts(Actions& out, Instant now) {
  Live& live = *live_;
  const auto& restart = config_.policies.restart;
  if (live.exit_known) {
    // Its processes are gone, but its last reports (the finish among them) may still be on
    // their way: wait until it said goodbye, or has been quiet for 0.5 s, at most 5 s.
    const bool quiet = now.steady - std::max(live.last_heard, live.exited_at) >= 0.5;
    if (!live.log_requested && (live.worker_end || quiet || now.steady - live.exited_at >= 5)) {
      live.log_requested = true;
      out.push_back(ReadAttemptLog{live.attempt, attempts_.back().run_dir});
    }
    return;
  }
  if (live.planned != PlannedEnd::kNone) {
    // Told to stop but still there after the grace period: the processes are stopped.
    if (live.stop_told_at >= 0 && !live.escalated &&
        now.steady - live.stop_told_at >= config_.stop_grace_s) {
      live.escalated = true;
      out.push_back(StopProcesses{config_.stop_grace_s});
    }
    return;
  }
  if (row_.state == JobState::kLaunching && !live.heard_from &&
      now.steady - live.launched_at > restart.startup_timeout_s) {
    const double waited = now.steady - live.launched_at;
    decide(out, "startup_timeout",
           "rank 0 not heard from " + formatValue(waited, 3) + " s after the start (limit " +
               formatValue(restart.startup_timeout_s) + " s): stopping the attempt to restart it",
           {{"waited_s", waited}});
    requestStop(out, PlannedEnd::kStartupTimeout, "startup timeout", false, now);
    return;
  }
  if (!live.heard_from) return;
  const double silent = now.steady - live.last_heard;
  if (silent > restart.heartbeat_timeout_s) {
    decide(out, "lost_heartbeat",
           "no message for " + formatValue(silent, 3) + " s (limit " +
               formatValue(restart.heartbeat_timeout_s) + " s): stopping the attempt to restart it",
           {{"silent_s", silent}});
    requestStop(out, PlannedEnd::kLostHeartbeat, "lost heartbeat", false, now);
    return;
  }
  const double idle = now.steady - live.last_progress;
  if (idle > restart.progress_timeout_s) {
    decide(out, "stalled",
           "heartbeats arrive but training made no progress for " + formatValue(idle, 3) +
               " s (limit " + formatValue(restart.progress_timeout_s) + " s, last step " +
               std::to_string(row_.step) + "): stopping the attempt to restart it",
           {{"idle_s", idle}, {"step", static_cast<double>(row_.step)}});
    requestStop(out, PlannedEnd::kStalled, "no progress", false, now);
  }
}

Actions JobSupervisor::onOperatorStop(const std::string& who, Instant now) {
  Actions out;
  if (isEnded(row_.state)) return out;
  if (!live_) {
    relaunch_.reset();
    decide(out, "operator_stop", who + " stopped the job while it waited for slots");
    endJob(out, JobState::kStopped, "stopped by " + who);
    return out;
  }
  if (live_->planned != PlannedEnd::kNone || live_->exit_known) return out;
  decide(out, "operator_stop", who + " asked the job to stop (it checkpoints first)");
  requestStop(out, PlannedEnd::kOperatorStop, "stopped by " + who, true, now);
  return out;
}

Actions JobSupervisor::onOperatorCheckpoint(const std::string& who, Instant /*now*/) {
  Actions out;
  if (!attemptLive() || live_->planned != PlannedEnd::kNone) return out;
  decide(out, "operator_checkpoint", who + " asked for a checkpoint now");
  out.push_back(SendCheckpoint{"checkpoint requested by " + who});
  return out;
}

Actions JobSupervisor::onOperatorRelaunch(const OperatorRelaunch& request, const std::string& who, Instant now) {
  Actions out;
  // Later keys win: an operator relaunching twice with the same key means the new value.
  for (const auto& o : request.overrides) {
    const std::string key = o.substr(0, o.find('='));
    auto same = std::find_if(operator_overrides_.begin(), operator_overrides_.end(),
                             [&](const std::string& x) { return x.substr(0, x.find('=')) == key; });
    if (same != operator_overrides_.end()) operator_overrides_.erase(same);
    operator_overrides_.push_back(o);
  }
  relaunch_ = request;
  row_.restarts = 0;
  row_.relaunches = 0;
  changed();
  std::string detail = who + " relaunched the job";
  for (const auto& o : request.overrides) detail += " " + o;
  detail += ", from " +
            (request.from_other ? request.from_other->path + " (job " + request.from_other->job_id + ")"
             : request.checkpoint.empty() ? std::string("the newest healthy checkpoint")
                                          : request.checkpoint) +
            "; restart and relaunch counters start over";
  decide(out, "operator_relaunch", detail);
  if (attemptLive()) {
    if (live_->planned == PlannedEnd::kNone) {
      requestStop(out, PlannedEnd::kOperatorRelaunch, "relaunch requested by " + who, true, now);
    } else {
      live_->planned = PlannedEnd::kOperatorRelaunch;  // already stopping: it ends in a relaunch
    }
    return out;
  }
  if (live_) {  // ended, its log being read: concluded as a relaunch
    live_->planned = PlannedEnd::kOperatorRelaunch;
    return out;
  }
  row_.state = JobState::kQueued;  // the scheduler starts it when its slots are free
  row_.end_reason.clear();
  changed();
  return out;
}

std::string JobSupervisor::refusal(const OperatorRelaunch& request) const {
  for (const auto& o : request.overrides) {
    const auto eq = o.find('=');
    if (eq == std::string::npos || eq == 0 || o.find_first_of(" \t") < eq) {
      return "override '" + o + "' is not key.path=value (e.g. optim.muon_lr=0.01)";
    }
  }
  if (request.from_other) {
    if (!config_.checkpoint_exists(request.from_other->path)) {
      return "job '" + request.from_other->job_id + "' checkpoint " + request.from_other->path + " is not on disk";
    }
    return "";
  }
  if (!request.checkpoint.empty() && !findCheckpoint(request.checkpoint)) {
    std::string known;
    for (const auto& c : checkpoints_) {
      if (config_.checkpoint_exists(c.path)) known += (known.empty() ? "" : ", ") + c.name + " (step " + std::to_string(c.step) + ")";
    }
    return "job '" + row_.id + "' has no checkpoint '" + request.checkpoint + "' on disk; it has " +
           (known.empty() ? std::string("none") : known);
  }
  return "";
}

Actions JobSupervisor::onInterrupt(Instant now) {
  Actions out;
  interrupted_ = true;
  if (!live_ || live_->exit_known) return out;
  // An earlier plan (a divergence stop under way) keeps its meaning for `resume`; only an
  // attempt with no plan is stopped as interrupted.
  if (live_->planned == PlannedEnd::kNone) {
    requestStop(out, PlannedEnd::kInterrupted, "coordinator interrupted", true, now);
  }
  return out;
}

Actions JobSupervisor::onKillNow(Instant /*now*/) {
  Actions out;
  if (live_ && !live_->exit_known) out.push_back(StopProcesses{0});
  return out;
}

Actions JobSupervisor::onInternalError(const std::string& error, Instant now) {
  Actions out;
  if (isEnded(row_.state) && row_.state != JobState::kInterrupted) return out;
  decide(out, "internal_error", "the coordinator failed while handling this job: " + error);
  if (live_ && !live_->exit_known) {
    live_->planned = PlannedEnd::kInternalError;
    live_->planned_reason = error;
    row_.state = JobState::kStopping;
    changed();
    out.push_back(StopProcesses{config_.stop_grace_s});
    return out;
  }
  live_.reset();
  endJob(out, JobState::kFailed, "coordinator error: " + error);
  return out;
}

}  // namespace cog::coord
