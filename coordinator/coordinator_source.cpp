// Jobs from a JobSource (a sweep's trials): offering it the free slots, passing on what its
// jobs report, and carrying out its requests as operator inputs of the supervisors.
#include <boost/asio/post.hpp>
#include <fstream>

#include "coordinator/coordinator_impl.hpp"

namespace cog::coord {

std::filesystem::path sourceStateFile(const StateDir& state, const std::string& source_name) {
  return state.root / (source_name + "_state.json");
}

// After `resume`: the source's jobs get their supervisors back (resumeJobs() then restores
// them from the store), and it hears again of those that ended: its saved state may predate
// an end, and repeated ends change nothing.
void Coordinator::Impl::addSourceJobsForResume() {
  for (const auto& spec : source->jobSpecs()) {
    if (by_id.count(spec.name)) continue;
    auto job = makeSupervisor(spec);
    by_id[spec.name] = job.get();
    jobs.push_back(std::move(job));
  }
}

std::unique_ptr<JobSupervisor> Coordinator::Impl::makeSupervisor(const JobSpec& spec) {
  SupervisorConfig config;
  config.experiment_id = experiment.name;
  config.state = state;
  config.policies = experiment.policies;
  config.stop_grace_s = experiment.launcher.stop_grace_s;
  config.checkpoint_exists = [](const std::string& path) { return std::filesystem::exists(path); };
  return std::make_unique<JobSupervisor>(spec, std::move(config));
}

// Posted, once at a time: schedule() runs inside loops over `jobs`, where adding one would
// invalidate the loop.
void Coordinator::Impl::offerSlotsToSource() {
  if (source == nullptr || offer_posted) return;
  offer_posted = true;
  postToSource([this] {
    offer_posted = false;
    if (interrupted || done || resuming) return;
    try {
      const auto requests = source->onFreeSlots(freeSlots());
      if (!requests.empty()) {
        saveSourceState();
        carryRequests(requests);
        schedule();  // starts the new jobs, then offers what is left
      }
    } catch (const std::exception& e) {
      say(source->name() + ": error, going on: " + e.what());
    }
  });
}

void Coordinator::Impl::passValidationToSource(const ValidationRow& row) {
  if (source == nullptr) return;
  postToSource([this, row] {
    if (done) return;
    try {
      const auto requests = source->onValidation(row);
      saveSourceState();
      carryRequests(requests);
    } catch (const std::exception& e) {
      say(source->name() + ": " + row.job_id + ": " + e.what());
    }
  });
}

// Checkpoints and ends are posted like validations, so the source hears a job's reports in
// the order they came: an attempt's log, read after it exited, delivers its validations
// before the supervisor concludes that the job finished.
void Coordinator::Impl::passCheckpointToSource(JobSupervisor& job, const Action& action) {
  if (source == nullptr) return;
  std::vector<CheckpointRow> rows;
  if (const auto* stored = std::get_if<StoreCheckpoint>(&action)) {
    rows.push_back(stored->row);
  } else if (const auto* condemned = std::get_if<MarkCheckpointUnhealthy>(&action)) {
    for (const auto& c : job.checkpoints()) {
      if (c.path != condemned->path) continue;
      rows.push_back(c);
      rows.back().healthy = false;
    }
  }
  postToSource([this, rows] {
    if (done) return;
    for (const auto& row : rows) source->onCheckpoint(row);
    saveSourceState();
  });
}

void Coordinator::Impl::reportEndToSource(JobSupervisor& job) {
  if (source == nullptr || !isEnded(job.state()) || job.state() == JobState::kInterrupted) return;
  auto [it, inserted] = end_reported.try_emplace(job.row().id, -1);
  if (it->second == job.row().attempt) return;
  it->second = job.row().attempt;
  postToSource([this, id = job.row().id, state = job.state()] {
    if (done) return;
    source->onJobEnded(id, state);
    saveSourceState();
    schedule();  // offers the freed slots
  });
}

// Every handler is followed by finishIfDone: hearing something may have ended the source.
void Coordinator::Impl::postToSource(std::function<void()> handler) {
  ++source_posts_pending;
  boost::asio::post(strand, [this, handler = std::move(handler)] {
    --source_posts_pending;
    handler();
    finishIfDone();
  });
}

void Coordinator::Impl::saveSourceState() {
  const auto file = sourceStateFile(state, source->name());
  const auto tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp);
    out << source->stateJson() << "\n";
    if (!out) throw Error(tmp + ": cannot write the " + source->name() + "'s state");
  }
  std::filesystem::rename(tmp, file);
}

// The caller has saved the source's state: it is stored before anything it asked for happens
// (the records-first rule of carryOut). Each request becomes the operator input that does it.
void Coordinator::Impl::carryRequests(const JobRequests& requests) {
  if (requests.empty()) return;
  const std::string who = source->name();
  for (const auto& request : requests) {
    if (const auto* add = std::get_if<AddJobRequest>(&request)) {
      if (by_id.count(add->spec.name))
        throw InvariantError(who + ": job " + add->spec.name + " already exists");
      say(who + ": new job " + add->spec.name + " (" + add->reason + ")");
      auto job = makeSupervisor(add->spec);
      by_id[add->spec.name] = job.get();
      jobs.push_back(std::move(job));
      saveJob(*jobs.back());
    } else if (const auto* stop = std::get_if<StopJobRequest>(&request)) {
      JobSupervisor& job = *by_id.at(stop->job);
      handle(job, [&] { return job.onOperatorStop(who + " (" + stop->reason + ")", now()); });
    } else if (const auto* relaunch = std::get_if<RelaunchJobRequest>(&request)) {
      JobSupervisor& job = *by_id.at(relaunch->job);
      OperatorRelaunch input{relaunch->overrides, "", std::nullopt};
      bool own = false;
      for (const auto& c : job.checkpoints()) own = own || c.path == relaunch->checkpoint;
      if (own) {
        input.checkpoint = relaunch->checkpoint;
      } else {
        for (const auto& other : jobs) {
          for (const auto& c : other->checkpoints()) {
            if (c.path == relaunch->checkpoint) input.from_other = c;
          }
        }
      }
      std::string refused = job.refusal(input);
      if (!own && !input.from_other) refused = "no job has checkpoint " + relaunch->checkpoint;
      if (!refused.empty()) {
        // The source believes the job runs again: tell it it will not, or it waits forever.
        say(who + ": cannot relaunch " + relaunch->job + ": " + refused);
        source->onJobEnded(relaunch->job, JobState::kFailed);
        continue;
      }
      handle(job, [&] {
        return job.onOperatorRelaunch(input, who + " (" + relaunch->reason + ")", now());
      });
    }
  }
}

}  // namespace cog::coord
