#pragma once
// One job's state machine: pure, no Asio, no SQLite, no processes, no clock. The coordinator
// (coordinator.cpp, the Asio shell) feeds it events and carries out the actions it returns
// (supervisor_actions.hpp); unit tests drive it with plain structs.
//
// States (store/states.hpp) and the transitions between them:
//
//   queued --start--> launching --first report--> running --verdict/timeout/operator--> stopping
//      ^                  |                          |                                    |
//      |                  +--------------------------+--------- processes exit ------------+
//      |                                             v
//      |                                        concluding --log read--> [decide]
//      |                                                                   |
//      +-- coordinator lost (resume) --------------------------------------+--> launching (restart,
//                                                                          |     relaunch: same
//                                                                          slots)
//                                                                          +--> finished |
//                                                                          early_stopped |
//                                                                               failed | stopped |
//                                                                               interrupted
//
// Timing: every input carries `now` (Instant); tick() applies the timeouts (startup,
// heartbeat, progress, the stop grace) and the settling of an ended attempt.
//
// Late and repeated inputs: reports of an attempt that is no longer current update nothing
// but the checkpoint list (the shell stores them anyway); a second exit, finish or log of
// the same attempt is ignored; a checkpoint saved at or after a condemned step is unhealthy
// whenever it arrives.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "comms/wire/messages.hpp"
#include "coordinator/core/supervisor_actions.hpp"
#include "coordinator/experiment/experiment_config.hpp"
#include "coordinator/launch/launcher.hpp"
#include "coordinator/policy/policy_set.hpp"
#include "coordinator/policy/rollback.hpp"
#include "coordinator/state_dir.hpp"

namespace cog::coord {

struct Instant {
  double wall = 0;    // unix seconds: what rows record
  double steady = 0;  // monotonic seconds: what timeouts measure
};

// An operator's relaunch (REST POST /api/v1/jobs/{id}/relaunch, `cogctl relaunch`).
struct OperatorRelaunch {
  std::vector<std::string> overrides;  // key=value, added to the job's own (later keys win)
  std::string checkpoint;              // a checkpoint's path or name ("best"); "" = newest healthy
  // Another job's checkpoint to start from instead of one of its own: a sweep's PBT exploit
  // copies a better trial's weights (coordinator/sweep/). `checkpoint` is then not read.
  std::optional<CheckpointRow> from_other;
};

struct SupervisorConfig {
  std::string experiment_id;
  StateDir state;  // where attempts' run folders go
  PolicyConfig policies;
  double stop_grace_s = 20;
  // Whether a checkpoint directory still exists (the worker prunes old ones): consulted
  // when choosing one to start from. Tests give a fake.
  std::function<bool(const std::string& path)> checkpoint_exists;
};

class JobSupervisor {
 public:
  JobSupervisor(JobSpec spec, SupervisorConfig config);
  ~JobSupervisor();
  JobSupervisor(const JobSupervisor&) = delete;
  JobSupervisor& operator=(const JobSupervisor&) = delete;

  // After a coordinator restart, before any input: the job as stored. A job that was
  // running becomes queued-to-resume unless its open attempt is adopted (onAdopted) or
  // found gone (onAttemptLost). Validations are replayed into early stopping.
  void restore(const JobRow& row, const std::vector<AttemptRow>& attempts,
               const std::vector<CheckpointRow>& checkpoints,
               const std::vector<ValidationRow>& validations);
  // The open attempt the store holds after restore() (the one to adopt or terminate).
  std::optional<AttemptRow> openAttempt() const;

  // --- inputs -------------------------------------------------------------------------
  // The scheduler grants the job its slots (only while wantsSlots()).
  Actions start(Instant now);
  // The launcher started (or adopted) attempt `attempt` under `launch_id`.
  Actions onLaunched(int attempt, int64_t launch_id, Instant now);
  // The attempt waits in the cluster scheduler's queue for `reason` ("Resources"), or runs
  // (nullopt). While it waits the job shows as queued with the reason, holds no slots of the
  // pool, and its startup timeout has not begun.
  Actions onSchedulerQueue(int attempt, const std::optional<std::string>& reason, Instant now);
  // Nothing could be started: the job fails, naming the error.
  Actions onLaunchFailed(int attempt, const std::string& error, Instant now);
  // After restore: the open attempt's processes are still running and now watched.
  Actions onAdopted(int attempt, Instant now);
  // After restore: the open attempt's processes are gone (or were terminated).
  Actions onAttemptLost(int attempt, Instant now);

  Actions onHello(int attempt, const wire::Hello& hello, Instant now);
  Actions onHeartbeat(int attempt, const wire::Heartbeat& beat, Instant now);
  Actions onMetrics(const MetricRow& row, double eta_s, Instant now);
  Actions onValidation(const ValidationRow& row, Instant now);
  Actions onCheckpointSaved(int attempt, const wire::CheckpointSaved& saved, Instant now);
  Actions onRunFinished(int attempt, const wire::RunFinished& finished, Instant now);
  // Every process of the attempt is gone.
  Actions onProcessExited(int attempt, const ExitStatus& status, Instant now);
  // The shell read the attempt's log (ReadAttemptLog) and fed what it held back in.
  Actions onLogRead(int attempt, Instant now);
  Actions tick(Instant now);

  // An operator asks the job to stop (it checkpoints); `who` says who, for the record.
  Actions onOperatorStop(const std::string& who, Instant now);
  // An operator asks the running attempt for a checkpoint now (it goes on training).
  Actions onOperatorCheckpoint(const std::string& who, Instant now);
  // An operator relaunches the job: a running attempt stops (it checkpoints), then a new
  // attempt starts from the requested checkpoint with the overrides added; a job that had
  // ended is queued again. Either way its restart and relaunch counters start over. Check
  // the request first with refusal().
  Actions onOperatorRelaunch(const OperatorRelaunch& request, const std::string& who, Instant now);
  // Why `request` cannot be carried out ("" = it can): an unknown or pruned checkpoint, an
  // override that is not key=value.
  std::string refusal(const OperatorRelaunch& request) const;
  // The coordinator is interrupted (Ctrl-C, SIGTERM, SIGHUP): running attempts stop and
  // checkpoint; the job ends `interrupted` and `resume` continues it.
  Actions onInterrupt(Instant now);
  // `kill` after an interrupt: the processes are killed at once.
  Actions onKillNow(Instant now);
  // The shell failed while handling this job (a store error, a bug): the job fails with
  // `error`; a running attempt is killed.
  Actions onInternalError(const std::string& error, Instant now);

  // --- queries ------------------------------------------------------------------------
  const JobSpec& spec() const { return spec_; }
  const JobRow& row() const { return row_; }
  JobState state() const { return row_.state; }
  bool wantsSlots() const;
  bool holdsSlots() const { return coord::holdsSlots(row_.state); }
  // True while an attempt's processes may run (a stop or checkpoint can reach them).
  bool attemptLive() const;
  // True once a divergence rule condemned the current attempt (it is being stopped to be
  // rolled back): its reports say how it diverged, not how good its hyperparameters are.
  bool attemptDiverged() const;
  // The current attempt (the newest), if any.
  const AttemptRow* currentAttempt() const;
  // Every attempt, oldest first.
  const std::vector<AttemptRow>& attempts() const { return attempts_; }
  const std::vector<CheckpointRow>& checkpoints() const { return checkpoints_; }
  int64_t launchId() const;
  // Increases whenever row() changes (the shell saves the row when it moved).
  uint64_t rowVersion() const { return row_version_; }

 private:
  struct Live;  // the current attempt's transient facts (heard, exit, planned end, ...)
  // Why the current attempt is ending, when the coordinator ended it (kNone: it was not).
  enum class PlannedEnd {
    kNone,
    kEarlyStop,
    kDiverged,
    kLostHeartbeat,
    kStalled,
    kStartupTimeout,
    kInterrupted,
    kOperatorStop,
    kOperatorRelaunch,
    kInternalError,
    kCoordinatorLost
  };

  bool isCurrent(int attempt) const;
  void heard(int attempt, Instant now);
  void changed() { ++row_version_; }
  void decide(Actions& out, const std::string& kind, const std::string& detail,
              const Scalars& numbers = {});
  void act(Actions& out, const Verdict& verdict, Instant now);
  void requestStop(Actions& out, PlannedEnd why, const std::string& reason, bool tell_worker,
                   Instant now);
  void launch(Actions& out, AttemptKind kind, const std::optional<CheckpointRow>& from,
              Instant now);
  void conclude(Actions& out, Instant now);
  void endAttempt(Actions& out, AttemptEnd end, const std::string& reason, Instant now);
  void endJob(Actions& out, JobState state, const std::string& reason);
  void restart(Actions& out, const std::string& why, Instant now);
  void resumeAfterScheduler(Actions& out, SchedulerEnd why, const std::string& exit_text,
                            Instant now);
  void rollback(Actions& out, Instant now);
  std::optional<CheckpointRow> newestCheckpoint(bool healthy_only) const;
  // checkpoint.keep: lets go of the checkpoints no rule keeps (policy/checkpoint_retention.hpp).
  void pruneCheckpoints(Actions& out);
  std::optional<CheckpointRow> findCheckpoint(const std::string& path_or_name) const;
  void startRequested(Actions& out, Instant now);
  void applyTimeouts(Actions& out, Instant now);
  AttemptRow* attempt(int number);

  JobSpec spec_;
  SupervisorConfig config_;
  JobRow row_;
  std::unique_ptr<PolicySet> policies_;
  Adjustments adjustments_;           // what the next relaunch compounds on
  std::vector<AttemptRow> attempts_;  // every attempt, oldest first; back() is current
  std::vector<CheckpointRow> checkpoints_;
  std::set<std::string> pruned_;  // paths retention deleted (a late report must not revive them)
  std::vector<ValidationRow> validations_;
  std::unique_ptr<Live> live_;  // set from launch to conclusion
  AttemptKind next_kind_ = AttemptKind::kFirst;
  std::vector<std::string> operator_overrides_;  // what operators added, for every later attempt
  std::optional<OperatorRelaunch> relaunch_;      // requested, carried out at the next start
  bool interrupted_ = false;
  uint64_t row_version_ = 0;
};

}  // namespace cog::coord
