// Carrying out what the supervisors decide: records into the store (committed first), then
// effects through the launcher and the wire. Also the slot pool's scheduler.
#include <boost/asio/post.hpp>

#include "coordinator/coordinator_impl.hpp"
#include "coordinator/core/worker_command.hpp"

namespace cog::coord {
namespace {

std::chrono::milliseconds millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

bool recordsDivergence(const Actions& actions) {
  for (const auto& a : actions) {
    if (const auto* e = std::get_if<RecordEvent>(&a); e != nullptr && e->kind == "diverged")
      return true;
  }
  return false;
}

}  // namespace

void Coordinator::Impl::handle(JobSupervisor& job, const std::function<Actions()>& input) {
  try {
    carryOut(job, input());
  } catch (const std::exception& e) {
    say(job.row().id + ": coordinator error: " + e.what());
    try {
      carryOut(job, job.onInternalError(e.what(), now()));
    } catch (const std::exception& again) {
      // The store itself is failing: the workers' own logs keep every report; `resume`
      // backfills them once it works again.
      say(job.row().id + ": could not record the error either (" + again.what() + ")");
    }
  }
}

// Records first, committed together, then effects: a coordinator killed at any instant has
// stored every decision it had begun to carry out.
void Coordinator::Impl::carryOut(JobSupervisor& job, const Actions& actions) {
  if (actions.empty()) return;
  bool any_record = false;
  for (const auto& a : actions) {
    if (isEffect(a)) continue;
    record(job, a);
    any_record = any_record || !std::holds_alternative<Announce>(a);
  }
  if (any_record) {
    saveJob(job);
    store->flush();
  }
  for (const auto& a : actions) {
    if (isEffect(a)) effect(job, a);
  }
  if (recordsDivergence(actions)) faults.reached(FaultPoint::kDivergenceStop);
  reportEndToSource(job);
  schedule();
  finishIfDone();
}

void Coordinator::Impl::record(JobSupervisor& job, const Action& action) {
  const int attempt = job.row().attempt;
  if (const auto* e = std::get_if<RecordEvent>(&action)) {
    say(job.row().id + "#" + std::to_string(attempt) + " " + e->kind + ": " + e->detail);
    store->appendEvent(
        {0, unixNow(), job.row().id, attempt, "coordinator", e->kind, e->detail, e->numbers});
  } else if (const auto* s = std::get_if<SaveAttempt>(&action)) {
    if (s->insert) {
      std::filesystem::create_directories(s->row.run_dir);
      store->insertAttempt(s->row);
    } else {
      store->updateAttempt(s->row);
    }
  } else if (const auto* c = std::get_if<StoreCheckpoint>(&action)) {
    store->appendCheckpoint(c->row);
    passCheckpointToSource(job, action);
  } else if (const auto* m = std::get_if<MarkCheckpointUnhealthy>(&action)) {
    store->markCheckpointUnhealthy(job.row().id, m->path);
    passCheckpointToSource(job, action);
  } else if (const auto* f = std::get_if<ForgetCheckpoint>(&action)) {
    store->forgetCheckpoint(job.row().id, f->path);
  } else if (const auto* cut = std::get_if<SupersedeAfter>(&action)) {
    store->supersedeMetricsAfter(job.row().id, cut->from_step, cut->attempt);
  } else if (const auto* line = std::get_if<Announce>(&action)) {
    say(line->line);
  }
}

void Coordinator::Impl::effect(JobSupervisor& job, const Action& action) {
  if (const auto* start = std::get_if<StartAttempt>(&action)) {
    startAttempt(job, *start);
  } else if (const auto* stop = std::get_if<SendStop>(&action)) {
    const auto* attempt = job.currentAttempt();
    const bool told =
        attempt != nullptr && endpoint->sendCommand(job.row().id, attempt->attempt,
                                                    {wire::CommandKind::kStop, stop->reason});
    if (!told) launcher->stop(job.launchId(), millis(stop->grace_s));
  } else if (const auto* checkpoint = std::get_if<SendCheckpoint>(&action)) {
    const auto* attempt = job.currentAttempt();
    const bool told = attempt != nullptr && endpoint->sendCommand(job.row().id, attempt->attempt,
                                                                  {wire::CommandKind::kCheckpointNow, checkpoint->reason});
    if (!told) say(job.row().id + ": the checkpoint request could not reach rank 0 (not connected)");
  } else if (const auto* kill = std::get_if<StopProcesses>(&action)) {
    if (kill->grace_s <= 0) {
      launcher->kill(job.launchId());
    } else {
      launcher->stop(job.launchId(), millis(kill->grace_s));
    }
  } else if (const auto* read = std::get_if<ReadAttemptLog>(&action)) {
    readAttemptLog(job, read->attempt, read->run_dir);
  } else if (const auto* files = std::get_if<DeleteCheckpointFiles>(&action)) {
    std::error_code ec;
    std::filesystem::remove_all(files->path, ec);
    if (ec) say(job.row().id + ": could not delete checkpoint " + files->path + ": " + ec.message());
  }
}

void Coordinator::Impl::startAttempt(JobSupervisor& job, const StartAttempt& start) {
  faults.reached(FaultPoint::kAttemptCommitted);
  auto request = makeLaunchRequest(job.spec(), start, worker_endpoint, state);
  openAttemptWire(job.row().id, start.attempt, request);
  int64_t id = 0;
  try {
    const std::string job_id = job.row().id;
    const int attempt = start.attempt;
    id = launcher->start(request, [this, job_id, attempt](const ExitStatus& status) {
      onAttemptExit(job_id, attempt, status);
    });
  } catch (const std::exception& e) {
    closeAttemptWire(job.row().id, start.attempt);  // no process will ever use it
    handle(job, [&] { return job.onLaunchFailed(start.attempt, e.what(), now()); });
    return;
  }
  faults.reached(FaultPoint::kProcessStarted);
  handle(job, [&] { return job.onLaunched(start.attempt, id, now()); });
}

void Coordinator::Impl::onAttemptExit(const std::string& job_id, int attempt,
                                      const ExitStatus& status) {
  auto it = by_id.find(job_id);
  if (it == by_id.end() || done) return;
  closeAttemptWire(job_id, attempt);
  JobSupervisor& job = *it->second;
  handle(job, [&] { return job.onProcessExited(attempt, status, now()); });
}

int Coordinator::Impl::freeSlots() const {
  int used = 0;
  for (const auto& job : jobs) {
    if (job->holdsSlots()) used += job->spec().slots;
  }
  return experiment.slots - used;
}

// In experiment order, every queued job that fits starts; a later, smaller job may start
// while an earlier, larger one waits.
void Coordinator::Impl::schedule() {
  if (interrupted || done || resuming) return;
  for (auto& job : jobs) {
    if (!job->wantsSlots() || freeSlots() < job->spec().slots) continue;
    handle(*job, [&] { return job->start(now()); });
  }
  offerSlotsToSource();
}

void Coordinator::Impl::saveJob(JobSupervisor& job) {
  JobRow row = job.row();
  row.updated_at = unixNow();
  store->upsertJob(row);
  saved_version[row.id] = job.rowVersion();
}

}  // namespace cog::coord
