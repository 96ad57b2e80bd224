// JobSupervisor's decisions: launching attempts, acting on verdicts and timeouts, and what
// follows an ended attempt (finish, early stop, rollback with adjustments, restart).
// Every decision becomes a RecordEvent with its reason and numbers, ahead of its effects.
#include <algorithm>
#include <cmath>

#include "comms/wire/exit_codes.hpp"
#include "coordinator/core/job_supervisor.hpp"
#include "coordinator/core/supervisor_live.hpp"
#include "coordinator/policy/checkpoint_retention.hpp"
#include "coordinator/status_view.hpp"

namespace cog::coord {
namespace {

std::string describeCheckpoint(const std::optional<CheckpointRow>& c) {
  if (!c) return "scratch (no usable checkpoint)";
  return c->name + " (attempt " + std::to_string(c->attempt) + ", step " + std::to_string(c->step) +
         ", val_loss " + formatValue(c->val_loss) + ")";
}

bool adjusted(const Adjustments& a) {
  return a.lr_factor != 1 || a.grokfast_lambda_factor != 1 || a.fresh_warmup;
}

}  // namespace

void JobSupervisor::decide(Actions& out, const std::string& kind, const std::string& detail,
                           const Scalars& numbers) {
  out.push_back(RecordEvent{kind, detail, numbers});
}

// By exact path, else the newest (by step) of that name, among those still on disk.
std::optional<CheckpointRow> JobSupervisor::findCheckpoint(const std::string& path_or_name) const {
  std::optional<CheckpointRow> found;
  for (const auto& c : checkpoints_) {
    if (!config_.checkpoint_exists(c.path)) continue;
    if (c.path == path_or_name) return c;
    if (c.name == path_or_name && (!found || c.step > found->step)) found = c;
  }
  return found;
}

void JobSupervisor::startRequested(Actions& out, Instant now) {
  if (relaunch_) {
    const auto from = relaunch_->from_other    ? relaunch_->from_other
                      : relaunch_->checkpoint.empty() ? newestCheckpoint(true)
                                                      : findCheckpoint(relaunch_->checkpoint);
    relaunch_.reset();
    launch(out, AttemptKind::kOperator, from, now);
    return;
  }
  launch(out, next_kind_, newestCheckpoint(true), now);
}

std::optional<CheckpointRow> JobSupervisor::newestCheckpoint(bool healthy_only) const {
  std::optional<CheckpointRow> best;
  for (const auto& c : checkpoints_) {
    if (healthy_only && !c.healthy) continue;
    if (!config_.checkpoint_exists(c.path))
      continue;  // pruned by the worker (keep_last) or by hand
    if (!best || c.step > best->step || (c.step == best->step && c.attempt > best->attempt))
      best = c;
  }
  return best;
}

void JobSupervisor::pruneCheckpoints(Actions& out) {
  std::vector<std::string> in_use;
  if (live_) {
    if (const AttemptRow* a = currentAttempt(); a != nullptr && !a->start_checkpoint.empty()) {
      in_use.push_back(a->start_checkpoint);
    }
  }
  const auto surplus = surplusCheckpoints(checkpoints_, validations_, spec_.checkpoint_keep,
                                          config_.policies.divergence, row_.step, in_use);
  if (surplus.empty()) return;
  std::string names;
  for (const auto& c : surplus) {
    names += (names.empty() ? "" : ", ") + c.name + " of attempt " + std::to_string(c.attempt);
    out.push_back(ForgetCheckpoint{c.path});
    out.push_back(DeleteCheckpointFiles{c.path});
    pruned_.insert(c.path);
    checkpoints_.erase(std::remove_if(checkpoints_.begin(), checkpoints_.end(),
                                      [&](const CheckpointRow& k) { return k.path == c.path; }),
                       checkpoints_.end());
  }
  decide(out, "checkpoints_pruned",
         "checkpoint.keep {best: " + std::to_string(spec_.checkpoint_keep.best) +
             ", latest: " + std::to_string(spec_.checkpoint_keep.latest) + "}: deleted " + names,
         {{"deleted", static_cast<double>(surplus.size())}, {"kept", static_cast<double>(checkpoints_.size())}});
}

// Records the attempt (number = the largest ever + 1, its own run folder) before asking for
// its processes: a coordinator killed in between finds the attempt and never reuses it.
void JobSupervisor::launch(Actions& out, AttemptKind kind, const std::optional<CheckpointRow>& from,
                           Instant now) {
  int number = 0;
  for (const auto& a : attempts_) number = std::max(number, a.attempt);
  number += 1;
  AttemptRow a;
  a.job_id = row_.id;
  a.attempt = number;
  a.kind = kind;
  a.overrides = spec_.overrides;
  a.overrides.insert(a.overrides.end(), operator_overrides_.begin(), operator_overrides_.end());
  a.operator_overrides = operator_overrides_;
  a.start_checkpoint = from ? from->path : "";
  a.start_step = from ? from->step : 0;
  a.run_dir = config_.state.attemptDir(row_.id, number).string();
  a.started_at = now.wall;
  a.lr_factor = adjustments_.lr_factor;
  a.grokfast_lambda_factor = adjustments_.grokfast_lambda_factor;
  a.fresh_warmup = adjustments_.fresh_warmup;
  std::string added;  // the experiment's own overrides are in its file; only what was added
  if (adjusted(adjustments_)) {
    for (auto& o : adjustmentOverrides(adjustments_, a.start_step)) {
      added += " " + o;
      a.overrides.push_back(std::move(o));
    }
  }
  attempts_.push_back(a);
  live_ = std::make_unique<Live>(number, now.steady);
  policies_->newAttempt(a.start_step);
  row_.attempt = number;
  row_.state = JobState::kLaunching;
  row_.end_reason.clear();
  next_kind_ = AttemptKind::kResume;
  changed();

  out.push_back(SaveAttempt{a, true});
  // The new attempt replays the steps after its checkpoint: those of earlier attempts no
  // longer belong to the job's history (each step is counted once).
  if (number > 1) out.push_back(SupersedeAfter{a.start_step, number});
  const std::string ranks =
      spec_.ranks > 1 ? "mpirun -np " + std::to_string(spec_.ranks) : "1 process";
  decide(out, "launch",
         std::string(nameOf(kind)) + " attempt from " + describeCheckpoint(from) + ", " + ranks +
             ", run dir " + a.run_dir + (added.empty() ? std::string() : ", adjusted:" + added));
  out.push_back(StartAttempt{number, kind, spec_.ranks, a.run_dir, from, a.overrides});
}

void JobSupervisor::act(Actions& out, const Verdict& verdict, Instant now) {
  if (verdict.action == Verdict::Action::kEarlyStop) {
    decide(out, "early_stop", verdict.signal + ": " + verdict.reason, verdict.numbers);
    requestStop(out, PlannedEnd::kEarlyStop, "early stop: " + verdict.reason, true, now);
    return;
  }
  // The divergence step is stored with the attempt before the stop goes out, and every
  // checkpoint from it on is condemned: a coordinator that dies now still rolls back past it.
  AttemptRow& current = attempts_.back();
  current.diverged_at_step = verdict.step;
  out.push_back(SaveAttempt{current, false});
  decide(out, "diverged",
         verdict.signal + " at step " + std::to_string(verdict.step) + ": " + verdict.reason,
         verdict.numbers);
  for (auto& c : checkpoints_) {
    if (c.attempt == current.attempt && c.step >= verdict.step && c.healthy) {
      c.healthy = false;
      out.push_back(MarkCheckpointUnhealthy{c.path});
    }
  }
  requestStop(out, PlannedEnd::kDiverged, "diverged: " + verdict.signal, true, now);
}

// A stop command reaches the worker at its next step boundary (it checkpoints and exits);
// if it is not gone within stop_grace_s (tick), or cannot be told, its processes are
// stopped (SIGTERM, then SIGKILL after the grace). A worker that went silent or never
// started is not told: it would not hear.
void JobSupervisor::requestStop(Actions& out, PlannedEnd why, const std::string& reason,
                                bool tell_worker, Instant now) {
  if (!live_ || live_->exit_known) return;
  live_->planned = why;
  live_->planned_reason = reason;
  row_.state = JobState::kStopping;
  changed();
  if (tell_worker) {
    live_->stop_told_at = now.steady;
    out.push_back(SendStop{reason, config_.stop_grace_s});
  } else {
    live_->escalated = true;
    out.push_back(StopProcesses{config_.stop_grace_s});
  }
}

void JobSupervisor::endAttempt(Actions& out, AttemptEnd end, const std::string& reason,
                               Instant now) {
  AttemptRow& a = attempts_.back();
  a.end = end;
  a.end_reason = reason;
  a.ended_at = now.wall;
  if (live_ && live_->exit_known) {
    a.exit_code = live_->exit.signal ? 128 + live_->exit.signal : live_->exit.exit_code;
    a.signal = live_->exit.signal;
  }
  out.push_back(SaveAttempt{a, false});
}

void JobSupervisor::endJob(Actions& out, JobState state, const std::string& reason) {
  row_.state = state;
  row_.end_reason = reason;
  changed();
  decide(out, nameOf(state), reason);
}

// The attempt is over and its log read: what it means for the job.
void JobSupervisor::conclude(Actions& out, Instant now) {
  const Live live = *live_;  // a copy: live_ is reset on the way
  const int number = live.attempt;
  const PlannedEnd planned =
      interrupted_ && live.planned == PlannedEnd::kNone ? PlannedEnd::kInterrupted : live.planned;
  // The worker's own word and its exit status must agree that it trained to the end.
  const bool worker_completed = live.worker_end && wire::runCompleted(*live.worker_end) &&
                                (!live.exit_known || live.exit.success());
  const std::string exit_text =
      live.exit_known ? live.exit.describe() : std::string("processes gone");
  const std::string log = config_.state.attemptLog(row_.id, number).string();

  switch (planned) {
    case PlannedEnd::kInterrupted:
      endAttempt(out, AttemptEnd::kInterrupted, "interrupted", now);
      live_.reset();
      endJob(out, JobState::kInterrupted,
             "coordinator interrupted; `cogcoord resume` continues it");
      return;
    case PlannedEnd::kEarlyStop:
      if (worker_completed) {
        // The plateau showed at the final validation: the run was over anyway.
        endAttempt(out, AttemptEnd::kFinished, "finished", now);
        live_.reset();
        endJob(out, JobState::kFinished,
               "training " + std::string(wire::runEndName(*live.worker_end)) +
                   " (the plateau was found at its final validation)");
        return;
      }
      endAttempt(out, AttemptEnd::kEarlyStopped, "early_stopped", now);
      live_.reset();
      endJob(out, JobState::kEarlyStopped, "validation loss stopped improving");
      return;
    case PlannedEnd::kDiverged:
      endAttempt(out, AttemptEnd::kDiverged, "diverged", now);
      rollback(out, now);
      return;
    case PlannedEnd::kLostHeartbeat:
      endAttempt(out, AttemptEnd::kLostHeartbeat, "lost_heartbeat", now);
      restart(out, "lost heartbeat, then " + exit_text, now);
      return;
    case PlannedEnd::kStalled:
      endAttempt(out, AttemptEnd::kStalled, "stalled", now);
      restart(out, "no training progress, then " + exit_text, now);
      return;
    case PlannedEnd::kStartupTimeout:
      endAttempt(out, AttemptEnd::kStartupTimeout, "startup_timeout", now);
      restart(out, "startup timeout, then " + exit_text, now);
      return;
    case PlannedEnd::kOperatorRelaunch:
      endAttempt(out, AttemptEnd::kStopped, "stopped for an operator's relaunch", now);
      live_.reset();
      startRequested(out, now);
      return;
    case PlannedEnd::kOperatorStop:
      endAttempt(out, AttemptEnd::kStopped, "stopped", now);
      live_.reset();
      endJob(out, JobState::kStopped, live.planned_reason);
      return;
    case PlannedEnd::kInternalError:
      endAttempt(out, AttemptEnd::kFailed, "coordinator error", now);
      live_.reset();
      endJob(out, JobState::kFailed, "coordinator error: " + live.planned_reason);
      return;
    case PlannedEnd::kCoordinatorLost:
      endAttempt(out, AttemptEnd::kCoordinatorLost, "coordinator_lost", now);
      live_.reset();
      if (worker_completed) {
        endJob(out, JobState::kFinished,
               "training " + std::string(wire::runEndName(*live.worker_end)) +
                   " while the coordinator was away");
        return;
      }
      row_.state = JobState::kQueued;
      next_kind_ = AttemptKind::kResume;
      changed();
      decide(out, "resume", "coordinator restarted: relaunching from the newest checkpoint");
      return;
    case PlannedEnd::kNone:
      break;
  }
  if (worker_completed) {
    endAttempt(out, AttemptEnd::kFinished, "finished", now);
    live_.reset();
    endJob(out, JobState::kFinished, "training " + std::string(wire::runEndName(*live.worker_end)));
    return;
  }
  const SchedulerEnd scheduler = live.exit_known ? live.exit.scheduler : SchedulerEnd::kNone;
  if (scheduler == SchedulerEnd::kTimeLimit || scheduler == SchedulerEnd::kPreempted) {
    return resumeAfterScheduler(out, scheduler, exit_text, now);
  }
  if (scheduler == SchedulerEnd::kOutOfMemory) {
    endAttempt(out, AttemptEnd::kOutOfMemory, "out of memory: " + exit_text, now);
    decide(out, "out_of_memory",
           "attempt " + std::to_string(number) + " was killed by Slurm for exceeding its memory (" +
               exit_text + ", log " + log + ")");
    restart(out, "out of memory", now);
    return;
  }
  if (live.exit_known && live.exit.signal == 0 && live.exit.exit_code == wire::kExitConfig) {
    // The worker refused its configuration: every restart would too.
    endAttempt(out, AttemptEnd::kConfigError, "config_error: " + exit_text, now);
    live_.reset();
    endJob(out, JobState::kFailed,
           "the worker refused its configuration (" + exit_text + "; log " + log +
               "): fix the config or the overrides, then relaunch");
    return;
  }
  endAttempt(out, AttemptEnd::kCrashed, "crashed: " + exit_text, now);
  std::string why = exit_text;
  if (live.worker_end == wire::RunEnd::kFailed) why += " (" + live.worker_detail + ")";
  decide(
      out, "crashed",
      "attempt " + std::to_string(number) + " ended unplanned with " + why + " (log " + log + ")",
      {{"exit_code", static_cast<double>(live.exit.exit_code)},
       {"signal", static_cast<double>(live.exit.signal)}});
  restart(out, exit_text, now);
}

// A time limit or a preemption is not the job's fault: the next attempt resumes from the newest
// healthy checkpoint without using up max_restarts, as long as the attempt got further than
// where it started (else a limit too short for one checkpoint would loop forever: it then
// counts as a restart).
void JobSupervisor::resumeAfterScheduler(Actions& out, SchedulerEnd why, const std::string& exit_text,
                                         Instant now) {
  const AttemptRow& ended = attempts_.back();
  const bool time_limit = why == SchedulerEnd::kTimeLimit;
  const std::string what = time_limit ? "its time limit" : "a preemption";
  endAttempt(out, time_limit ? AttemptEnd::kTimeLimit : AttemptEnd::kPreempted,
             (time_limit ? "time limit: " : "preempted: ") + exit_text, now);
  const auto from = newestCheckpoint(true);
  if (!from || from->step <= ended.start_step) {
    restart(out, what + " before any new checkpoint (" + exit_text + ")", now);
    return;
  }
  live_.reset();
  if (interrupted_) return endJob(out, JobState::kInterrupted, "coordinator interrupted");
  decide(out, "resume",
         "Slurm ended attempt " + std::to_string(ended.attempt) + " at " + what + " (" + exit_text +
             "): resuming from " + describeCheckpoint(from) + "; not counted as a restart");
  launch(out, AttemptKind::kResume, from, now);
}

void JobSupervisor::restart(Actions& out, const std::string& why, Instant now) {
  live_.reset();
  const int limit = config_.policies.restart.max_restarts;
  if (interrupted_) return endJob(out, JobState::kInterrupted, "coordinator interrupted");
  if (row_.restarts >= limit) {
    return endJob(out, JobState::kFailed,
                  "restart limit " + std::to_string(limit) + " reached; last attempt: " + why);
  }
  row_.restarts += 1;
  const auto from = newestCheckpoint(true);
  decide(out, "restart",
         "restart " + std::to_string(row_.restarts) + " of " + std::to_string(limit) + " after " +
             why + ": from " + describeCheckpoint(from) + " with the same hyperparameters",
         {{"restarts", static_cast<double>(row_.restarts)}});
  launch(out, AttemptKind::kRestart, from, now);
}

void JobSupervisor::rollback(Actions& out, Instant now) {
  const int64_t diverged_at = attempts_.back().diverged_at_step;
  live_.reset();
  const auto& relaunch = config_.policies.relaunch;
  if (interrupted_) return endJob(out, JobState::kInterrupted, "coordinator interrupted");
  if (row_.relaunches >= relaunch.max_relaunches) {
    return endJob(out, JobState::kFailed,
                  "diverged again with the relaunch limit " +
                      std::to_string(relaunch.max_relaunches) + " spent");
  }
  row_.relaunches += 1;
  std::vector<CheckpointRow> usable;
  for (const auto& c : checkpoints_) {
    if (config_.checkpoint_exists(c.path)) usable.push_back(c);
  }
  const auto target =
      chooseRollbackCheckpoint(usable, validations_, diverged_at, config_.policies.divergence);
  adjustments_ = nextAdjustments(adjustments_, relaunch);
  decide(out, "rollback",
         "relaunch " + std::to_string(row_.relaunches) + " of " +
             std::to_string(relaunch.max_relaunches) + ": back to " + describeCheckpoint(target) +
             " with lr x " + formatValue(adjustments_.lr_factor) + ", grokfast lambda x " +
             formatValue(adjustments_.grokfast_lambda_factor) +
             (adjustments_.fresh_warmup ? ", fresh warmup" : ""),
         {{"lr_factor", adjustments_.lr_factor},
          {"grokfast_lambda_factor", adjustments_.grokfast_lambda_factor},
          {"from_step", target ? static_cast<double>(target->step) : 0.0},
          {"diverged_at_step", static_cast<double>(diverged_at)}});
  launch(out, AttemptKind::kRelaunch, target, now);
}

}  // namespace cog::coord
