#pragma once
// An in-memory StoreReader for the REST tests: public vectors the test fills, and the
// since/limit semantics records.hpp documents. `failWith` makes every call throw, to test 500s.
#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "coordinator/store/records.hpp"

namespace cog::coord::fakes {

class FakeStoreReader : public StoreReader {
 public:
  std::vector<ExperimentRow> experimentRows;
  std::vector<JobRow> jobRows;
  std::vector<AttemptRow> attemptRows;
  std::vector<MetricRow> metricRows;  // in step order per job
  std::vector<ValidationRow> validationRows;
  std::vector<CheckpointRow> checkpointRows;
  std::vector<EventRow> eventRows;  // in id order
  std::string failWith;             // non-empty: every call throws std::runtime_error(failWith)
  mutable int eventCalls = 0;

  std::vector<ExperimentRow> experiments() const override {
    check();
    return experimentRows;
  }
  std::vector<JobRow> jobs() const override {
    check();
    return jobRows;
  }
  std::optional<JobRow> job(const std::string& id) const override {
    check();
    for (const auto& j : jobRows) {
      if (j.id == id) return j;
    }
    return std::nullopt;
  }
  std::vector<AttemptRow> attempts(const std::string& jobId) const override {
    return ofJob(attemptRows, jobId);
  }
  std::vector<MetricRow> metrics(const std::string& jobId, int64_t sinceStep,
                                 size_t limit) const override {
    check();
    std::vector<MetricRow> out;
    for (const auto& m : metricRows) {
      if (m.job_id == jobId && m.step > sinceStep && out.size() < limit) out.push_back(m);
    }
    return out;
  }
  std::vector<ValidationRow> validations(const std::string& jobId, int64_t sinceStep = -1,
                                         size_t limit = kAllRows) const override {
    check();
    std::vector<ValidationRow> out;
    for (const auto& v : validationRows) {
      if (v.job_id == jobId && v.step > sinceStep && out.size() < limit) out.push_back(v);
    }
    return out;
  }
  std::vector<CheckpointRow> checkpoints(const std::string& jobId) const override {
    return ofJob(checkpointRows, jobId);
  }
  std::vector<EventRow> events(int64_t sinceId, const std::string& jobId,
                               size_t limit) const override {
    check();
    ++eventCalls;
    std::vector<EventRow> out;
    for (const auto& e : eventRows) {
      if (e.id > sinceId && (jobId.empty() || e.job_id == jobId) && out.size() < limit)
        out.push_back(e);
    }
    return out;
  }

 private:
  void check() const {
    if (!failWith.empty()) throw std::runtime_error(failWith);
  }
  template <typename Row>
  std::vector<Row> ofJob(const std::vector<Row>& rows, const std::string& jobId) const {
    check();
    std::vector<Row> out;
    std::copy_if(rows.begin(), rows.end(), std::back_inserter(out),
                 [&](const Row& r) { return r.job_id == jobId; });
    return out;
  }
};

// Two jobs with a little of everything: "reasoning" running with history, "speed" queued.
inline FakeStoreReader sampleStore() {
  FakeStoreReader s;
  s.experimentRows.push_back(
      {"cognate", "configs/experiments/cognate.yaml", "jobs: []\n", "running", 100, 200});
  JobRow reasoning;
  reasoning.id = "reasoning";
  reasoning.experiment_id = "cognate";
  reasoning.model_config = "configs/models/tiny.yaml";
  reasoning.state = JobState::kRunning;
  reasoning.attempt = 2;
  reasoning.ranks = 2;
  reasoning.slots = 2;
  reasoning.restarts = 1;
  reasoning.step = 300;
  reasoning.epoch = 3;
  reasoning.best_val_loss = 2.5;
  reasoning.last_metrics = {{"loss", 1.25}, {"grad_norm", 0.5}, {"lr", kNoValue}};
  s.jobRows.push_back(reasoning);
  JobRow speed;
  speed.id = "speed";
  speed.experiment_id = "cognate";
  speed.state = JobState::kQueued;
  s.jobRows.push_back(speed);

  AttemptRow first;
  first.job_id = "reasoning";
  first.attempt = 1;
  first.run_dir = "runs/reasoning/a1";
  first.launch_id = 4242;
  first.started_at = 100;
  first.ended_at = 150;
  first.end = AttemptEnd::kCrashed;
  first.end_reason = "crashed: killed by signal 11";
  first.exit_code = 139;
  first.signal = 11;
  s.attemptRows.push_back(first);
  AttemptRow second;
  second.job_id = "reasoning";
  second.attempt = 2;
  second.kind = AttemptKind::kRestart;
  second.overrides = {"train.lr=0.001"};
  second.start_checkpoint = "runs/reasoning/epoch-0001";
  second.start_step = 100;
  second.run_dir = "runs/reasoning/a2";
  second.launch_id = 4343;
  second.started_at = 151;
  s.attemptRows.push_back(second);
  for (int64_t step = 100; step <= 300; step += 100) {
    MetricRow m{"reasoning", 2, step, step / 100, 150.0 + step, {{"loss", 3.0 - step / 100.0}}};
    if (step == 200) m.scalars.push_back({"grad_norm", 0.75});
    s.metricRows.push_back(m);
  }
  s.validationRows.push_back(
      {"reasoning",
       2,
       200,
       2,
       180,
       {{"val_loss", 2.5}, {"exact_match", kNoValue}},
       {R"([{"prompt":"Q: 1+1","generated":"2","expected":"2","correct":true}])"}});
  s.checkpointRows.push_back(
      {"reasoning", 1, 100, "epoch-0001", "runs/reasoning/epoch-0001", 2.75, true, 140});
  s.eventRows.push_back({1,
                         150,
                         "reasoning",
                         1,
                         "coordinator",
                         "restart",
                         "worker exited 139; restart 1 of 5",
                         {{"exit_code", 139}}});
  s.eventRows.push_back({2, 160, "reasoning", 2, "worker", "checkpoint", "saved epoch-0002", {}});
  s.eventRows.push_back({3, 170, "", 0, "coordinator", "experiment_started", "3 jobs", {}});
  return s;
}

}  // namespace cog::coord::fakes
