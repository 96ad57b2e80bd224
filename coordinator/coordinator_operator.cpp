// What an operator asks through the REST API (POST routes), handed to the job supervisors.
#include "coordinator/coordinator_impl.hpp"

namespace cog::coord {

OperatorDesk::OperatorDesk(Coordinator::Impl& impl) : impl_(impl) {}

JobSupervisor& OperatorDesk::job(const std::string& id) {
  auto it = impl_.by_id.find(id);
  if (it == impl_.by_id.end()) {
    throw OperatorError(OperatorError::Kind::kNotFound,
                        "no job '" + id + "' in experiment " + impl_.experiment.name + "; GET /api/v1/jobs lists them");
  }
  return *it->second;
}

void OperatorDesk::refuseWhileShuttingDown() const {
  if (impl_.interrupted || impl_.done) {
    throw OperatorError(OperatorError::Kind::kConflict,
                        "the coordinator is shutting down (interrupted): `cogcoord resume` first");
  }
}

std::string OperatorDesk::stopJob(const std::string& id, const std::string& who) {
  JobSupervisor& j = job(id);
  if (isEnded(j.state())) {
    throw OperatorError(OperatorError::Kind::kConflict,
                        "job '" + id + "' has already ended (" + nameOf(j.state()) + "): nothing to stop");
  }
  const bool live = j.attemptLive();
  impl_.handle(j, [&] { return j.onOperatorStop(who, impl_.now()); });
  return live ? "stop requested: the attempt checkpoints and ends" : "stopped (it was waiting for slots)";
}

std::string OperatorDesk::checkpointJob(const std::string& id, const std::string& who) {
  JobSupervisor& j = job(id);
  if (!j.attemptLive() || j.state() == JobState::kStopping) {
    throw OperatorError(OperatorError::Kind::kConflict, "job '" + id + "' has no running attempt to checkpoint (" +
                                                            nameOf(j.state()) + ")");
  }
  impl_.handle(j, [&] { return j.onOperatorCheckpoint(who, impl_.now()); });
  return "checkpoint requested: written at the attempt's next step";
}

std::string OperatorDesk::relaunchJob(const std::string& id, const std::vector<std::string>& overrides,
                                      const std::string& checkpoint, const std::string& who) {
  refuseWhileShuttingDown();
  JobSupervisor& j = job(id);
  const OperatorRelaunch request{overrides, checkpoint, std::nullopt};
  if (const std::string why = j.refusal(request); !why.empty()) {
    throw OperatorError(OperatorError::Kind::kBadRequest, why);
  }
  const bool live = j.attemptLive();
  impl_.handle(j, [&] { return j.onOperatorRelaunch(request, who, impl_.now()); });
  return live ? "relaunch requested: the attempt checkpoints and ends, then a new one starts"
              : "relaunch queued: a new attempt starts when the job's slots are free";
}

std::string OperatorDesk::stopExperiment(const std::string& id, const std::string& who) {
  if (id != impl_.experiment.name) {
    throw OperatorError(OperatorError::Kind::kNotFound,
                        "no experiment '" + id + "'; this coordinator runs " + impl_.experiment.name);
  }
  int asked = 0;
  for (auto& j : impl_.jobs) {
    if (isEnded(j->state())) continue;
    impl_.handle(*j, [&] { return j->onOperatorStop(who, impl_.now()); });
    ++asked;
  }
  return std::to_string(asked) + " job(s) asked to stop";
}

}  // namespace cog::coord
