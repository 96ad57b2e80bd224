// Every row kind written, flushed, reopened and read back; upsert and event-query semantics.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "coordinator/store/store.hpp"
#include "tests/coordinator/store/store_test_util.hpp"

namespace cog::coord {
namespace {

using testing::ScratchDir;

constexpr double kInf = std::numeric_limits<double>::infinity();

ExperimentRow experiment(const std::string& id, double created) {
  return {id,     "configs/" + id + ".yaml", "name: " + id + "\njobs: []\n", "running", created,
          created};
}

JobRow job(const std::string& id) {
  JobRow r;
  r.id = id;
  r.experiment_id = "cognate";
  r.model_config = "configs/models/tiny.yaml";
  r.state = JobState::kRunning;
  r.attempt = 2;
  r.ranks = 4;
  r.slots = 2;
  r.restarts = 1;
  r.relaunches = 3;
  r.step = 123456789012;
  r.epoch = 7;
  r.best_val_loss = 2.25;
  r.last_metrics = {{"loss", std::nan("")}, {"grad_norm", kInf}, {"lr", 1.5e-4}};
  r.end_reason = "";
  r.updated_at = 1700000001.25;
  return r;
}

TEST(Store, CreatesSchemaAndReopensEmpty) {
  ScratchDir dir("schema");
  { Store store(dir.file("cog.db")); }
  ASSERT_TRUE(std::filesystem::exists(dir.file("cog.db")));
  Store again(dir.file("cog.db"));
  EXPECT_TRUE(again.experiments().empty());
  EXPECT_TRUE(again.jobs().empty());
  EXPECT_TRUE(again.events(0, "", 100).empty());
  EXPECT_EQ(again.pendingWrites(), 0u);
}

TEST(Store, ExperimentUpsertKeepsCreatedAt) {
  ScratchDir dir("experiments");
  Store store(dir.file("cog.db"));
  store.upsertExperiment(experiment("later", 200));
  store.upsertExperiment(experiment("cognate", 100));
  ExperimentRow changed = experiment("cognate", 999);
  changed.state = "finished";
  changed.config_yaml = "name: cognate # ünïcødé ✓\n";
  changed.updated_at = 300;
  store.upsertExperiment(changed);
  EXPECT_EQ(store.pendingWrites(), 3u);
  store.flush();
  EXPECT_EQ(store.pendingWrites(), 0u);

  const auto rows = store.experiments();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].id, "cognate");  // ordered by creation time
  EXPECT_EQ(rows[0].state, "finished");
  EXPECT_EQ(rows[0].config_yaml, changed.config_yaml);
  EXPECT_EQ(rows[0].created_at, 100);
  EXPECT_EQ(rows[0].updated_at, 300);
  EXPECT_EQ(rows[1].id, "later");
}

TEST(Store, JobRoundTripAndUpsert) {
  ScratchDir dir("jobs");
  {
    Store store(dir.file("cog.db"));
    store.upsertJob(job("reasoning"));
    store.upsertJob(job("memory"));
    JobRow changed = job("reasoning");
    changed.state = JobState::kFailed;
    changed.step = 5;
    changed.best_val_loss = kNoValue;
    changed.best_exact_match = 0.75;
    changed.end_reason = "diverged 3× — gave up";
    changed.last_metrics = {};
    store.upsertJob(changed);
  }  // the destructor flushes
  Store store(dir.file("cog.db"));
  const auto rows = store.jobs();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].id, "reasoning");  // first-insertion order survives the update
  EXPECT_EQ(rows[1].id, "memory");

  const auto r = store.job("reasoning");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->state, JobState::kFailed);
  EXPECT_EQ(r->step, 5);
  EXPECT_TRUE(std::isnan(r->best_val_loss));
  EXPECT_EQ(r->best_exact_match, 0.75);
  EXPECT_EQ(r->end_reason, "diverged 3× — gave up");
  EXPECT_TRUE(r->last_metrics.empty());

  const auto m = store.job("memory");
  ASSERT_TRUE(m.has_value());
  const JobRow want = job("memory");
  EXPECT_EQ(m->experiment_id, want.experiment_id);
  EXPECT_EQ(m->model_config, want.model_config);
  EXPECT_EQ(m->attempt, 2);
  EXPECT_EQ(m->ranks, 4);
  EXPECT_EQ(m->slots, 2);
  EXPECT_EQ(m->restarts, 1);
  EXPECT_EQ(m->relaunches, 3);
  EXPECT_EQ(m->step, 123456789012);
  EXPECT_EQ(m->epoch, 7);
  EXPECT_EQ(m->best_val_loss, 2.25);
  EXPECT_TRUE(std::isnan(m->best_exact_match));
  ASSERT_EQ(m->last_metrics.size(), 3u);
  EXPECT_TRUE(std::isnan(m->last_metrics[0].second));
  EXPECT_EQ(m->last_metrics[1].second, kInf);
  EXPECT_EQ(m->last_metrics[2], (std::pair<std::string, double>{"lr", 1.5e-4}));
  EXPECT_EQ(m->updated_at, want.updated_at);

  EXPECT_FALSE(store.job("speed").has_value());
}

TEST(Store, AttemptsInsertUpdateAndErrors) {
  ScratchDir dir("attempts");
  Store store(dir.file("cog.db"));
  AttemptRow a;
  a.job_id = "speed";
  a.attempt = 1;
  a.kind = AttemptKind::kFirst;
  a.run_dir = "runs/speed/attempt-1";
  a.launch_id = 4242;
  a.started_at = 10.5;
  store.insertAttempt(a);
  AttemptRow b = a;
  b.attempt = 2;
  b.kind = AttemptKind::kRelaunch;
  b.lr_factor = 0.5;
  b.grokfast_lambda_factor = 0.4;
  b.fresh_warmup = true;
  b.diverged_at_step = -1;
  b.overrides = {"optim.lr=0.00015", "optim.grokfast.lambda=0.04"};
  b.start_checkpoint = "runs/speed/attempt-1/ckpt/epoch-0003";
  b.start_step = 600;
  store.insertAttempt(b);
  EXPECT_THROW(store.insertAttempt(a), StoreError);  // (job, attempt) is a key

  a.ended_at = 99.25;
  a.end = AttemptEnd::kDiverged;
  a.end_reason = "diverged";
  a.diverged_at_step = 640;
  a.signal = 9;
  a.exit_code = -9;
  store.updateAttempt(a);
  AttemptRow missing = a;
  missing.attempt = 7;
  try {
    store.updateAttempt(missing);
    FAIL() << "expected StoreError";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("no attempt 7"), std::string::npos) << e.what();
  }
  store.flush();

  const auto rows = store.attempts("speed");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].attempt, 1);
  EXPECT_EQ(rows[0].end_reason, "diverged");
  EXPECT_EQ(rows[0].ended_at, 99.25);
  EXPECT_EQ(rows[0].exit_code, -9);
  EXPECT_EQ(rows[0].launch_id, 4242);
  EXPECT_EQ(rows[0].end, AttemptEnd::kDiverged);
  EXPECT_EQ(rows[0].diverged_at_step, 640);
  EXPECT_EQ(rows[0].signal, 9);
  EXPECT_TRUE(rows[0].overrides.empty());
  EXPECT_EQ(rows[1].kind, AttemptKind::kRelaunch);
  EXPECT_EQ(rows[1].lr_factor, 0.5);
  EXPECT_EQ(rows[1].grokfast_lambda_factor, 0.4);
  EXPECT_TRUE(rows[1].fresh_warmup);
  EXPECT_EQ(rows[1].end, AttemptEnd::kOpen);
  EXPECT_EQ(store.maxAttempt("speed"), 2);
  EXPECT_EQ(store.maxAttempt("reasoning"), 0);
  EXPECT_EQ(rows[1].overrides, b.overrides);
  EXPECT_EQ(rows[1].start_checkpoint, b.start_checkpoint);
  EXPECT_EQ(rows[1].start_step, 600);
  EXPECT_EQ(rows[1].ended_at, 0);
  EXPECT_TRUE(store.attempts("reasoning").empty());
}

TEST(Store, ValidationsRoundTripAndAreIdempotent) {
  ScratchDir dir("validations");
  Store store(dir.file("cog.db"));
  ValidationRow v;
  v.job_id = "reasoning";
  v.attempt = 1;
  v.step = 400;
  v.epoch = 2;
  v.time = 5.5;
  v.scalars = {{"val_loss", 2.5}, {"exact_match", 0.0}, {"distinct_1", std::nan("")}};
  v.samples.text =
      R"([{"prompt":"Q: 2+2? A:","generated":"::::::","expected":"4","correct":false}])";
  store.appendValidation(v);
  store.appendValidation(v);  // the backfill re-imports it
  ValidationRow earlier = v;
  earlier.step = 200;
  earlier.samples.text = "[]";
  store.appendValidation(earlier);
  store.flush();

  const auto rows = store.validations("reasoning");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].step, 200);
  EXPECT_EQ(rows[1].step, 400);
  EXPECT_EQ(rows[1].samples.text, v.samples.text);
  EXPECT_EQ(rows[1].epoch, 2);
  EXPECT_EQ(rows[1].time, 5.5);
  ASSERT_EQ(rows[1].scalars.size(), 3u);
  EXPECT_EQ(rows[1].scalars[0].second, 2.5);
  EXPECT_TRUE(std::isnan(rows[1].scalars[2].second));
}

TEST(Store, CheckpointsAreIdempotentAndCanBeCondemned) {
  ScratchDir dir("checkpoints");
  Store store(dir.file("cog.db"));
  CheckpointRow c;
  c.job_id = "memory";
  c.attempt = 1;
  c.step = 300;
  c.name = "epoch-0003";
  c.path = "runs/memory/ckpt/epoch-0003";
  c.val_loss = 2.1;
  c.time = 42;
  store.appendCheckpoint(c);
  store.appendCheckpoint(c);
  CheckpointRow best = c;
  best.name = "best";
  best.path = "runs/memory/ckpt/best";
  best.val_loss = kNoValue;
  store.appendCheckpoint(best);
  best.step = 500;  // "best" rewritten at a later step is a new row
  store.appendCheckpoint(best);

  EXPECT_EQ(store.markCheckpointUnhealthy("memory", "runs/memory/ckpt/best"), 2);
  EXPECT_EQ(store.markCheckpointUnhealthy("memory", "runs/memory/ckpt/best"), 0);
  EXPECT_EQ(store.markCheckpointUnhealthy("speed", c.path), 0);
  store.flush();

  const auto rows = store.checkpoints("memory");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].step, 300);
  EXPECT_EQ(rows[1].step, 300);
  EXPECT_EQ(rows[2].step, 500);
  for (const auto& r : rows) {
    const bool is_best = r.name == "best";
    EXPECT_EQ(r.healthy, !is_best) << r.path << " @" << r.step;
    EXPECT_EQ(std::isnan(r.val_loss), is_best);
  }
  EXPECT_TRUE(store.checkpoints("speed").empty());
}

TEST(Store, EventsSinceJobFilterAndLimit) {
  ScratchDir dir("events");
  Store store(dir.file("cog.db"));
  std::vector<int64_t> ids;
  for (int i = 0; i < 10; ++i) {
    EventRow e = testing::event(i % 2 == 0 ? "reasoning" : "speed", "kind" + std::to_string(i));
    e.numbers = {{"i", i}, {"loss", i == 4 ? std::nan("") : 0.5}};
    ids.push_back(store.appendEvent(e));
  }
  EventRow last = testing::event("", "experiment_finished");
  last.detail = "alle Jobs fertig — 完成 ✓";
  ids.push_back(store.appendEvent(last));
  for (size_t i = 1; i < ids.size(); ++i) EXPECT_GT(ids[i], ids[i - 1]);

  const auto all = store.events(0, "", 1000);  // readable before flush, by this Store
  ASSERT_EQ(all.size(), 11u);
  EXPECT_EQ(all[0].id, ids[0]);
  EXPECT_EQ(all[0].kind, "kind0");
  EXPECT_EQ(all[0].detail, "kind0 for reasoning");
  EXPECT_EQ(all[0].source, "coordinator");
  EXPECT_EQ(all[0].attempt, 1);
  EXPECT_EQ(all[0].time, 1700000000.5);
  EXPECT_EQ(all[10].job_id, "");
  EXPECT_EQ(all[10].detail, last.detail);
  EXPECT_TRUE(std::isnan(all[4].numbers[1].second));
  EXPECT_EQ(all[3].numbers[0], (std::pair<std::string, double>{"i", 3}));

  const auto since = store.events(ids[5], "", 1000);
  ASSERT_EQ(since.size(), 5u);
  EXPECT_EQ(since.front().id, ids[6]);

  const auto speed = store.events(0, "speed", 1000);
  ASSERT_EQ(speed.size(), 5u);
  for (const auto& e : speed) EXPECT_EQ(e.job_id, "speed");
  const auto speed_since = store.events(ids[3], "speed", 2);
  ASSERT_EQ(speed_since.size(), 2u);
  EXPECT_EQ(speed_since[0].id, ids[5]);  // oldest first
  EXPECT_EQ(speed_since[1].id, ids[7]);

  EXPECT_EQ(store.events(0, "", 3).size(), 3u);
  EXPECT_EQ(store.events(0, "", 3).back().id, ids[2]);
  EXPECT_TRUE(store.events(ids.back(), "", 10).empty());
  EXPECT_EQ(store.events(0, "", SIZE_MAX).size(), 11u);
}

TEST(Store, EventIdsKeepIncreasingAcrossReopen) {
  ScratchDir dir("event_ids");
  int64_t last = 0;
  {
    Store store(dir.file("cog.db"));
    last = store.appendEvent(testing::event("reasoning", "restart"));
  }
  Store store(dir.file("cog.db"));
  EXPECT_GT(store.appendEvent(testing::event("reasoning", "rollback")), last);
}

TEST(Store, InMemoryStoreWorks) {
  Store store(":memory:");
  store.appendMetric(testing::metric("reasoning", 1, 1));
  store.flush();
  EXPECT_EQ(store.metricCount("reasoning", false), 1);
}

}  // namespace
}  // namespace cog::coord
