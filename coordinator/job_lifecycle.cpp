// Attempts and the decisions that end or replace them: launch, early stop, divergence
// rollback with adjusted hyperparameters, crash restart. Every decision becomes an event
// with its reason and numbers (decide()).
#include <filesystem>

#include "coordinator/coordinator_impl.hpp"
#include "coordinator/status_view.hpp"

namespace cog::coord {
namespace {

std::string describeCheckpoint(const std::optional<CheckpointRow>& c) {
  if (!c) return "scratch (no usable checkpoint)";
  return c->name + " (attempt " + std::to_string(c->attempt) + ", step " + std::to_string(c->step) +
         ", val_loss " + formatValue(c->val_loss) + ")";
}

}  // namespace

int Coordinator::Impl::freeSlots() const {
  int used = 0;
  for (const auto& job : jobs) {
    if (job->running) used += job->spec.slots;
  }
  return experiment.slots - used;
}

void Coordinator::Impl::schedule() {
  if (interrupted || done) return;
  for (auto& job : jobs) {
    if (job->row.state != "queued" || job->running) continue;
    if (freeSlots() < job->spec.slots) {
      continue;  // a later, smaller job may still fit
    }
    launch(*job, job->row.attempt == 0 ? "first" : "resume", newestCheckpoint(job->row.id, true));
  }
}

int64_t Coordinator::Impl::decide(JobRuntime& job, const std::string& kind, const std::string& detail,
                                  const Scalars& numbers) {
  say(job.row.id + "#" + std::to_string(job.row.attempt) + " " + kind + ": " + detail);
  const int64_t id = store->appendEvent({0, unixNow(), job.row.id, job.row.attempt, "coordinator", kind, detail, numbers});
  saveJob(job);
  store->flush();
  return id;
}

void Coordinator::Impl::saveJob(JobRuntime& job) {
  job.row.updated_at = unixNow();
  store->upsertJob(job.row);
  job.dirty = false;
}

std::optional<CheckpointRow> Coordinator::Impl::newestCheckpoint(const std::string& job_id, bool healthy_only) const {
  std::optional<CheckpointRow> best;
  for (const auto& c : store->checkpoints(job_id)) {
    if (healthy_only && !c.healthy) continue;
    if (!std::filesystem::exists(c.path)) continue;  // pruned by the worker (keep_last) or by hand
    if (!best || c.step > best->step || (c.step == best->step && c.attempt > best->attempt)) best = c;
  }
  return best;
}

void Coordinator::Impl::launch(JobRuntime& job, const std::string& kind, const std::optional<CheckpointRow>& from) {
  const int attempt = job.row.attempt + 1;
  const auto run_dir = std::filesystem::absolute(state.attemptDir(job.row.id, attempt));
  std::filesystem::create_directories(run_dir);

  std::vector<std::string> overrides = job.spec.overrides;
  const int64_t from_step = from ? from->step : 0;
  const bool adjusted = job.adjustments.lr_factor != 1 || job.adjustments.grokfast_lambda_factor != 1 ||
                        job.adjustments.fresh_warmup;
  if (adjusted) {
    for (auto& o : adjustmentOverrides(job.adjustments, from_step)) overrides.push_back(std::move(o));
  }
  LaunchRequest request;
  request.job = job.row.id;
  request.attempt = attempt;
  request.ranks = job.spec.ranks;
  request.worker_args = {"train", "--config", job.spec.config, "--run-dir", run_dir.string()};
  for (const auto& o : overrides) {
    request.worker_args.push_back("--set");
    request.worker_args.push_back(o);
  }
  if (from) {
    request.worker_args.push_back("--init-from");
    request.worker_args.push_back(from->path);
  }
  request.env = {{"COG_COORDINATOR", endpoint->boundEndpoint()},
                 {"COG_JOB", job.row.id},
                 {"COG_ATTEMPT", std::to_string(attempt)}};
  request.log_file = state.attemptLog(job.row.id, attempt);

  job.row.attempt = attempt;
  AttemptRow row;
  row.job_id = job.row.id;
  row.attempt = attempt;
  row.kind = kind;
  row.overrides = overrides;
  row.start_checkpoint = from ? from->path : "";
  row.start_step = from_step;
  row.run_dir = run_dir.string();
  row.started_at = unixNow();
  try {
    const std::string id = job.row.id;
    job.launch_id = launcher->start(request, [this, id, attempt](const ExitStatus& status) {
      onAttemptExit(id, attempt, status);
    });
  } catch (const std::exception& e) {
    row.ended_at = unixNow();
    row.end_reason = std::string("launch failed: ") + e.what();
    row.exit_code = -1;
    store->insertAttempt(row);
    endJob(job, "failed", row.end_reason);
    return;
  }
  row.pid = job.launch_id;
  store->insertAttempt(row);
  // The new attempt replays the steps after its checkpoint: those of earlier attempts no
  // longer belong to the job's history (each step is counted once).
  if (attempt > 1) store->supersedeMetricsAfter(job.row.id, from_step, attempt);

  job.attempt = row;
  job.running = true;
  job.last_seen = Clock::now();
  job.planned_end = PlannedEnd::kNone;
  job.diverged_at_step = -1;
  job.worker_finish_reason.clear();
  job.worker_said_goodbye = false;
  job.exit_status.reset();
  job.policies->newAttempt(from_step);
  job.row.state = "running";
  job.row.end_reason.clear();
  const std::string ranks = job.spec.ranks > 1 ? "mpirun -np " + std::to_string(job.spec.ranks) : "1 process";
  std::string adjustments;  // the experiment's own overrides are in its file; only what was added
  for (size_t i = job.spec.overrides.size(); i < overrides.size(); ++i) adjustments += " " + overrides[i];
  decide(job, "launch",
         kind + " attempt from " + describeCheckpoint(from) + ", " + ranks + ", log " + request.log_file.string() +
             (adjustments.empty() ? std::string() : ", adjusted:" + adjustments));
}

void Coordinator::Impl::act(JobRuntime& job, const Verdict& verdict) {
  if (verdict.action == Verdict::Action::kEarlyStop) {
    decide(job, "early_stop", verdict.signal + ": " + verdict.reason, verdict.numbers);
    requestStop(job, PlannedEnd::kEarlyStop, "early stop: " + verdict.reason);
    return;
  }
  job.diverged_at_step = verdict.step;
  decide(job, "diverged", verdict.signal + " at step " + std::to_string(verdict.step) + ": " + verdict.reason,
         verdict.numbers);
  for (const auto& c : store->checkpoints(job.row.id)) {
    if (c.attempt == job.attempt.attempt && c.step >= verdict.step && c.healthy) {
      store->markCheckpointUnhealthy(job.row.id, c.path);
    }
  }
  requestStop(job, PlannedEnd::kDiverged, "diverged: " + verdict.signal);
}

// A stop command reaches the worker at its next step boundary (it checkpoints and exits);
// if it is not gone within launcher.stop_grace_s, or cannot be told, its process group
// gets SIGTERM and then SIGKILL.
void Coordinator::Impl::requestStop(JobRuntime& job, PlannedEnd why, const std::string& reason) {
  if (!job.running) return;
  job.planned_end = why;
  job.row.state = "stopping";
  job.dirty = true;
  const auto grace = std::chrono::milliseconds(static_cast<int64_t>(experiment.launcher.stop_grace_s * 1000));
  const bool told = why != PlannedEnd::kLostHeartbeat &&
                    endpoint->sendCommand(job.row.id, job.attempt.attempt, {wire::CommandKind::kStop, reason});
  if (!told) {
    launcher->stop(job.launch_id, grace);
    return;
  }
  job.stop_deadline = std::make_unique<boost::asio::steady_timer>(strand, grace);
  const int64_t id = job.launch_id;
  job.stop_deadline->async_wait([this, id, grace](const boost::system::error_code& ec) {
    if (!ec && launcher) launcher->stop(id, grace);
  });
}

void Coordinator::Impl::onAttemptExit(const std::string& job_id, int attempt, const ExitStatus& status) {
  auto it = by_id.find(job_id);
  if (it == by_id.end()) return;
  JobRuntime& job = *it->second;
  if (!job.running || job.attempt.attempt != attempt || job.exit_status) return;
  job.exit_status = status;
  job.exited_at = Clock::now();
  job.stop_deadline.reset();
  settleAttempt(job_id, attempt);
}

// The process is gone, but its last reports (the "finished" event among them) may still be
// on their way: wait until it said goodbye, or has been quiet for 500 ms, at most 5 s.
void Coordinator::Impl::settleAttempt(const std::string& job_id, int attempt) {
  JobRuntime& job = *by_id.at(job_id);
  if (!job.running || job.attempt.attempt != attempt || !job.exit_status) return;
  const auto now = Clock::now();
  const bool quiet = now - std::max(job.last_seen, job.exited_at) >= std::chrono::milliseconds(500);
  if (job.worker_said_goodbye || quiet || now - job.exited_at >= std::chrono::seconds(5)) {
    concludeAttempt(job, *job.exit_status);
    return;
  }
  auto timer = std::make_shared<boost::asio::steady_timer>(strand, std::chrono::milliseconds(50));
  timer->async_wait([this, timer, job_id, attempt](const boost::system::error_code& ec) {
    if (!ec && !done) settleAttempt(job_id, attempt);
  });
}

void Coordinator::Impl::concludeAttempt(JobRuntime& job, const ExitStatus& status) {
  const int attempt = job.attempt.attempt;
  job.running = false;
  job.exit_status.reset();
  const std::string logged_reason = backfill(job, attempt, job.attempt.run_dir);
  if (job.worker_finish_reason.empty()) job.worker_finish_reason = logged_reason;
  AttemptRow& row = job.attempt;
  row.ended_at = unixNow();
  row.exit_code = status.signal ? 128 + status.signal : status.exit_code;

  const PlannedEnd planned = interrupted && job.planned_end == PlannedEnd::kNone ? PlannedEnd::kInterrupted
                                                                                 : job.planned_end;
  const bool worker_finished = status.success() && (job.worker_finish_reason == "completed" ||
                                                    job.worker_finish_reason == "max_steps" ||
                                                    job.worker_finish_reason == "already_finished");
  switch (planned) {
    case PlannedEnd::kInterrupted:
      row.end_reason = "interrupted";
      store->updateAttempt(row);
      endJob(job, "interrupted", "coordinator interrupted; `cogcoord resume` continues it");
      break;
    case PlannedEnd::kEarlyStop:
      row.end_reason = "early_stopped";
      store->updateAttempt(row);
      endJob(job, "early_stopped", "validation loss stopped improving");
      break;
    case PlannedEnd::kDiverged:
      row.end_reason = "diverged";
      store->updateAttempt(row);
      rollback(job);
      break;
    case PlannedEnd::kLostHeartbeat:
      row.end_reason = "lost_heartbeat";
      store->updateAttempt(row);
      restart(job, "lost heartbeat, then " + status.describe());
      break;
    case PlannedEnd::kNone:
      if (worker_finished) {
        row.end_reason = "finished";
        store->updateAttempt(row);
        endJob(job, "finished", "training " + job.worker_finish_reason);
      } else {
        row.end_reason = "crashed: " + status.describe();
        store->updateAttempt(row);
        decide(job, "crashed", "attempt " + std::to_string(attempt) + " ended unplanned with " + status.describe() +
                                   " (log " + state.attemptLog(job.row.id, attempt).string() + ")",
               {{"exit_code", static_cast<double>(status.exit_code)}, {"signal", static_cast<double>(status.signal)}});
        restart(job, status.describe());
      }
      break;
  }
  schedule();
  finishIfDone();
}

void Coordinator::Impl::restart(JobRuntime& job, const std::string& why) {
  const int limit = experiment.policies.restart.max_restarts;
  if (interrupted) return endJob(job, "interrupted", "coordinator interrupted");
  if (job.row.restarts >= limit) {
    return endJob(job, "failed", "restart limit " + std::to_string(limit) + " reached; last attempt: " + why);
  }
  job.row.restarts += 1;
  const auto from = newestCheckpoint(job.row.id, true);
  decide(job, "restart",
         "restart " + std::to_string(job.row.restarts) + " of " + std::to_string(limit) + " after " + why +
             ": from " + describeCheckpoint(from) + " with the same hyperparameters",
         {{"restarts", static_cast<double>(job.row.restarts)}});
  launch(job, "restart", from);
}

void Coordinator::Impl::rollback(JobRuntime& job) {
  const auto& relaunch = experiment.policies.relaunch;
  if (interrupted) return endJob(job, "interrupted", "coordinator interrupted");
  if (job.row.relaunches >= relaunch.max_relaunches) {
    return endJob(job, "failed", "diverged again with the relaunch limit " +
                                     std::to_string(relaunch.max_relaunches) + " spent");
  }
  job.row.relaunches += 1;
  const auto target = chooseRollbackCheckpoint(store->checkpoints(job.row.id), store->validations(job.row.id),
                                               job.diverged_at_step, experiment.policies.divergence);
  job.adjustments = nextAdjustments(job.adjustments, relaunch);
  decide(job, "rollback",
         "relaunch " + std::to_string(job.row.relaunches) + " of " + std::to_string(relaunch.max_relaunches) +
             ": back to " + describeCheckpoint(target) + " with lr x " + formatValue(job.adjustments.lr_factor) +
             ", grokfast lambda x " + formatValue(job.adjustments.grokfast_lambda_factor) +
             (job.adjustments.fresh_warmup ? ", fresh warmup" : ""),
         {{"lr_factor", job.adjustments.lr_factor},
          {"grokfast_lambda_factor", job.adjustments.grokfast_lambda_factor},
          {"from_step", target ? static_cast<double>(target->step) : 0.0}});
  launch(job, "relaunch", target);
}

void Coordinator::Impl::endJob(JobRuntime& job, const std::string& state_name, const std::string& reason) {
  job.row.state = state_name;
  job.row.end_reason = reason;
  decide(job, state_name, reason);
}

}  // namespace cog::coord
