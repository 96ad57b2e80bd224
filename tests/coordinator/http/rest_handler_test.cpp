#include "coordinator/http/rest_handler.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>

#include "coordinator/http/prometheus_text.hpp"
#include "tests/coordinator/http/fake_store_reader.hpp"

namespace cog::coord {
namespace {

using nlohmann::json;

class HttpRestHandler : public ::testing::Test {
 protected:
  HttpResponse get(const std::string& target) const { return handler_.handle("GET", target, ""); }
  // GETs `target`, expects `status`, and returns the body parsed as JSON (a test failure,
  // not a crash, when it is not valid JSON).
  json getJson(const std::string& target, int status = 200) const {
    const HttpResponse r = get(target);
    EXPECT_EQ(r.status, status) << target << " → " << r.body;
    EXPECT_EQ(r.content_type, "application/json") << target;
    json parsed = json::parse(r.body, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << r.body;
    return parsed;
  }
  // Expects an error response of `status` and `kind` whose detail contains `mention`.
  void expectError(const std::string& method, const std::string& target, int status,
                   const std::string& kind, const std::string& mention) const {
    const HttpResponse r = handler_.handle(method, target, "");
    EXPECT_EQ(r.status, status) << method << " " << target << " → " << r.body;
    const json body = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << r.body;
    EXPECT_EQ(body.value("error", ""), kind) << r.body;
    EXPECT_NE(body.value("detail", "").find(mention), std::string::npos)
        << "detail should mention '" << mention << "': " << r.body;
  }

  fakes::FakeStoreReader store_ = fakes::sampleStore();
  RestHandler handler_{store_};
};

TEST_F(HttpRestHandler, HealthzSaysOk) {
  EXPECT_EQ(getJson("/healthz"), json({{"status", "ok"}, {"wire", json::object()}}));
  EXPECT_EQ(getJson("/healthz/"), json({{"status", "ok"}, {"wire", json::object()}}));
}

TEST_F(HttpRestHandler, TheWireCountersAreInHealthzAndMetrics) {
  handler_.setWireCounters([] { return Scalars{{"received", 120}, {"unauthenticated", 3}}; });
  EXPECT_EQ(getJson("/healthz")["wire"], json({{"received", 120}, {"unauthenticated", 3}}));
  const std::string text = get("/metrics").body;
  EXPECT_NE(text.find("cog_wire_messages{outcome=\"unauthenticated\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE cog_wire_messages counter"), std::string::npos);
}

TEST_F(HttpRestHandler, TheWireConnectionsAreInHealthzAndMetrics) {
  handler_.setWireConnections([] { return RestHandler::WireConnections{3, 1024, 7, 2}; });
  EXPECT_EQ(getJson("/healthz")["wire"],
            json({{"connections", 3}, {"max_connections", 1024}, {"connections_refused", 7}, {"routes", 2}}));
  const std::string text = get("/metrics").body;
  for (const char* line : {"# TYPE cog_wire_connections gauge\ncog_wire_connections 3\n",
                           "# TYPE cog_wire_max_connections gauge\ncog_wire_max_connections 1024\n",
                           "# TYPE cog_wire_connections_refused counter\ncog_wire_connections_refused 7\n",
                           "# TYPE cog_wire_routes gauge\ncog_wire_routes 2\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << " in\n" << text;
  }
}

TEST_F(HttpRestHandler, ServesTheSweepsItIsGiven) {
  EXPECT_EQ(getJson("/api/v1/sweeps")["sweeps"], json::array()) << "none without a sweep";
  EXPECT_EQ(get("/api/v1/sweeps/lr").status, 404);
  handler_.setSweeps([] {
    return std::vector<std::string>{
        R"({"id": "lr", "searcher": "asha", "models": [{"name": "m", "trials": [{"job": "lr-m-t000"}, {"job": "lr-m-t001"}]}]})"};
  });
  const json list = getJson("/api/v1/sweeps");
  ASSERT_EQ(list["sweeps"].size(), 1u);
  EXPECT_EQ(list["sweeps"][0]["models"][0]["trials"], 2) << "the list counts trials";
  const json one = getJson("/api/v1/sweeps/lr");
  EXPECT_EQ(one["models"][0]["trials"][1]["job"], "lr-m-t001");
  const auto missing = get("/api/v1/sweeps/other");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("there is lr"), std::string::npos) << missing.body;
}

TEST_F(HttpRestHandler, ListsExperiments) {
  const json body = getJson("/api/v1/experiments");
  ASSERT_EQ(body["experiments"].size(), 1u);
  EXPECT_EQ(body["experiments"][0]["id"], "cognate");
  EXPECT_EQ(body["experiments"][0]["state"], "running");
  EXPECT_EQ(body["experiments"][0]["config_path"], "configs/experiments/cognate.yaml");
}

TEST_F(HttpRestHandler, ListsJobsWithTheirFields) {
  const json jobs = getJson("/api/v1/jobs")["jobs"];
  ASSERT_EQ(jobs.size(), 2u);
  const json& r = jobs[0];
  EXPECT_EQ(r["id"], "reasoning");
  EXPECT_EQ(r["experiment_id"], "cognate");
  EXPECT_EQ(r["state"], "running");
  EXPECT_EQ(r["attempt"], 2);
  EXPECT_EQ(r["ranks"], 2);
  EXPECT_EQ(r["slots"], 2);
  EXPECT_EQ(r["step"], 300);
  EXPECT_EQ(r["epoch"], 3);
  EXPECT_EQ(r["best_val_loss"], 2.5);
  EXPECT_TRUE(r["best_exact_match"].is_null()) << "NaN must be written as null";
  EXPECT_EQ(r["last_metrics"]["loss"], 1.25);
  EXPECT_TRUE(r["last_metrics"]["lr"].is_null());
  EXPECT_EQ(r["restarts"], 1);
  EXPECT_EQ(r["relaunches"], 0);
  EXPECT_EQ(r["end_reason"], "");
  EXPECT_EQ(jobs[1]["id"], "speed");
  EXPECT_TRUE(jobs[1]["best_val_loss"].is_null());
}

TEST_F(HttpRestHandler, InfiniteValuesStayValidJson) {
  store_.jobRows[0].last_metrics = {{"loss", std::numeric_limits<double>::infinity()},
                                    {"grad_norm", -std::numeric_limits<double>::infinity()}};
  const json metrics = getJson("/api/v1/jobs")["jobs"][0]["last_metrics"];
  EXPECT_EQ(metrics["loss"], "inf");
  EXPECT_EQ(metrics["grad_norm"], "-inf");
}

TEST_F(HttpRestHandler, InvalidUtf8InStoreTextStillGivesJson) {
  store_.eventRows[0].detail = "bad bytes \xFF\xFE here";
  const json events = getJson("/api/v1/events")["events"];
  ASSERT_EQ(events.size(), 3u);
  EXPECT_NE(events[0]["detail"].get<std::string>().find("here"), std::string::npos);
}

TEST_F(HttpRestHandler, JobDetailHasDecisionsAndCheckpoints) {
  const json job = getJson("/api/v1/jobs/reasoning");
  EXPECT_EQ(job["id"], "reasoning");
  EXPECT_EQ(job["state"], "running");
  // Only the coordinator's events about this job: not the worker's checkpoint event, not
  // the experiment-wide one.
  ASSERT_EQ(job["decisions"].size(), 1u) << job.dump();
  EXPECT_EQ(job["decisions"][0]["kind"], "restart");
  EXPECT_EQ(job["decisions"][0]["detail"], "worker exited 139; restart 1 of 5");
  EXPECT_EQ(job["decisions"][0]["numbers"]["exit_code"], 139);
  EXPECT_EQ(job["decisions"][0]["time"], 150);
  ASSERT_EQ(job["checkpoints"].size(), 1u);
  EXPECT_EQ(job["checkpoints"][0]["name"], "epoch-0001");
  EXPECT_EQ(job["checkpoints"][0]["val_loss"], 2.75);
  EXPECT_EQ(job["checkpoints"][0]["healthy"], true);
}

TEST_F(HttpRestHandler, JobDetailCollectsDecisionsPastOneEventPage) {
  store_.eventRows.clear();
  for (int64_t id = 1; id <= 2500; ++id) {
    const bool decision = id % 100 == 0;
    store_.eventRows.push_back({id,
                                double(id),
                                "reasoning",
                                2,
                                decision ? "coordinator" : "worker",
                                decision ? "rollback" : "checkpoint",
                                "event " + std::to_string(id),
                                {}});
  }
  const json decisions = getJson("/api/v1/jobs/reasoning")["decisions"];
  ASSERT_EQ(decisions.size(), 25u);
  EXPECT_EQ(decisions.back()["detail"], "event 2500");
  EXPECT_GE(store_.eventCalls, 3);
}

TEST_F(HttpRestHandler, JobIdsArePercentDecoded) {
  store_.jobRows[1].id = "my job/2";
  EXPECT_EQ(getJson("/api/v1/jobs/my%20job%2F2")["id"], "my job/2");
}

TEST_F(HttpRestHandler, ListsAttempts) {
  const json body = getJson("/api/v1/jobs/reasoning/attempts");
  EXPECT_EQ(body["job"], "reasoning");
  ASSERT_EQ(body["attempts"].size(), 2u);
  EXPECT_EQ(body["attempts"][0]["end"], "crashed");
  EXPECT_EQ(body["attempts"][0]["end_reason"], "crashed: killed by signal 11");
  EXPECT_EQ(body["attempts"][0]["launch_id"], 4242);
  EXPECT_EQ(body["attempts"][1]["end"], "") << "still open";
  EXPECT_EQ(body["attempts"][0]["exit_code"], 139);
  EXPECT_EQ(body["attempts"][1]["kind"], "restart");
  EXPECT_EQ(body["attempts"][1]["overrides"], json::array({"train.lr=0.001"}));
  EXPECT_EQ(body["attempts"][1]["start_step"], 100);
  EXPECT_EQ(getJson("/api/v1/jobs/speed/attempts")["attempts"], json::array());
}

TEST_F(HttpRestHandler, MetricsRowsWithSinceAndLimit) {
  json body = getJson("/api/v1/jobs/reasoning/metrics");
  ASSERT_EQ(body["metrics"].size(), 3u);
  EXPECT_EQ(body["metrics"][0], json({{"attempt", 2},
                                      {"step", 100},
                                      {"epoch", 1},
                                      {"time", 250},
                                      {"scalars", {{"loss", 2.0}}}}));
  EXPECT_EQ(body["next_since"], 300);
  EXPECT_EQ(body["truncated"], false);

  body = getJson("/api/v1/jobs/reasoning/metrics?since=100&limit=1");
  ASSERT_EQ(body["metrics"].size(), 1u);
  EXPECT_EQ(body["metrics"][0]["step"], 200);
  EXPECT_EQ(body["next_since"], 200);
  EXPECT_EQ(body["truncated"], true);

  body = getJson("/api/v1/jobs/reasoning/metrics?since=300");
  EXPECT_EQ(body["metrics"], json::array());
  EXPECT_EQ(body["next_since"], 300);
}

TEST_F(HttpRestHandler, MetricsNameFilterKeepsOnlyRowsWithThoseScalars) {
  json body = getJson("/api/v1/jobs/reasoning/metrics?name=grad_norm");
  ASSERT_EQ(body["metrics"].size(), 1u) << body.dump();
  EXPECT_EQ(body["metrics"][0]["step"], 200);
  EXPECT_EQ(body["metrics"][0]["scalars"], json({{"grad_norm", 0.75}}));

  body = getJson("/api/v1/jobs/reasoning/metrics?name=grad_norm,loss");
  ASSERT_EQ(body["metrics"].size(), 3u);
  EXPECT_EQ(body["metrics"][1]["scalars"].size(), 2u);

  body = getJson("/api/v1/jobs/reasoning/metrics?name=nothing");
  EXPECT_EQ(body["metrics"], json::array());
  EXPECT_EQ(body["next_since"], 300) << "paging continues after rows the filter dropped";
}

TEST_F(HttpRestHandler, MetricsBadQueryValuesAre400NamingParameterAndValue) {
  expectError("GET", "/api/v1/jobs/reasoning/metrics?since=abc", 400, "bad_request", "since=abc");
  expectError("GET", "/api/v1/jobs/reasoning/metrics?limit=-3", 400, "bad_request", "limit=-3");
  expectError("GET", "/api/v1/jobs/reasoning/metrics?limit=100001", 400, "bad_request", "100000");
  expectError("GET", "/api/v1/jobs/reasoning/metrics?limt=5", 400, "bad_request", "'limt'");
  expectError("GET", "/api/v1/jobs/reasoning/metrics?name=%zz", 400, "bad_request", "%zz");
}

TEST_F(HttpRestHandler, ListsValidationsWithParsedSamples) {
  const json body = getJson("/api/v1/jobs/reasoning/validations");
  ASSERT_EQ(body["validations"].size(), 1u);
  const json& v = body["validations"][0];
  EXPECT_EQ(v["step"], 200);
  EXPECT_EQ(v["scalars"]["val_loss"], 2.5);
  EXPECT_TRUE(v["scalars"]["exact_match"].is_null());
  ASSERT_EQ(v["samples"].size(), 1u);
  EXPECT_EQ(v["samples"][0]["correct"], true);

  store_.validationRows[0].samples = {"[{broken"};
  const json broken = getJson("/api/v1/jobs/reasoning/validations")["validations"][0];
  EXPECT_EQ(broken["samples"], json::array());
  EXPECT_EQ(broken["samples_raw"], "[{broken");
}

TEST_F(HttpRestHandler, ValidationsArePagedLikeMetrics) {
  ValidationRow later = store_.validationRows[0];
  later.step = 400;
  store_.validationRows.push_back(later);
  later.step = 600;
  store_.validationRows.push_back(later);
  json body = getJson("/api/v1/jobs/reasoning/validations?limit=2");
  ASSERT_EQ(body["validations"].size(), 2u);
  EXPECT_EQ(body["truncated"], true);
  EXPECT_EQ(body["next_since"], 400);
  body = getJson("/api/v1/jobs/reasoning/validations?since=400&limit=2");
  ASSERT_EQ(body["validations"].size(), 1u);
  EXPECT_EQ(body["validations"][0]["step"], 600);
  EXPECT_EQ(body["truncated"], false);
  EXPECT_EQ(body["next_since"], 600);
  expectError("GET", "/api/v1/jobs/reasoning/validations?limit=0", 400, "bad_request", "limit=0");
  expectError("GET", "/api/v1/jobs/reasoning/validations?name=loss", 400, "bad_request", "'name'");
}

TEST_F(HttpRestHandler, EventsSinceJobAndLimit) {
  json body = getJson("/api/v1/events");
  ASSERT_EQ(body["events"].size(), 3u);
  EXPECT_EQ(body["events"][0]["source"], "coordinator");
  EXPECT_EQ(body["events"][2]["job_id"], "");
  EXPECT_EQ(body["next_since"], 3);

  body = getJson("/api/v1/events?since=1&limit=1");
  ASSERT_EQ(body["events"].size(), 1u);
  EXPECT_EQ(body["events"][0]["id"], 2);
  EXPECT_EQ(body["truncated"], true);

  body = getJson("/api/v1/events?job=reasoning");
  EXPECT_EQ(body["events"].size(), 2u);
  expectError("GET", "/api/v1/events?job=nope", 404, "not_found", "'nope'");
  expectError("GET", "/api/v1/events?since=x1", 400, "bad_request", "since=x1");
}

TEST_F(HttpRestHandler, UnknownJobIs404NamingTheId) {
  for (const std::string suffix : {"", "/attempts", "/metrics", "/validations"}) {
    expectError("GET", "/api/v1/jobs/memroy" + suffix, 404, "not_found", "'memroy'");
  }
}

TEST_F(HttpRestHandler, UnknownRouteIs404ListingRoutes) {
  expectError("GET", "/api/v2/jobs", 404, "not_found", "/api/v1/jobs");
  expectError("GET", "/status", 404, "not_found", "/healthz");
  expectError("GET", "/api/v1/jobs/reasoning/profile", 404, "not_found",
              "/api/v1/jobs/reasoning/profile");
  expectError("GET", "/api/v1//jobs", 404, "not_found", "routes");
}

TEST_F(HttpRestHandler, OtherMethodsAre405WithAllowHeader) {
  expectError("POST", "/api/v1/jobs", 405, "method_not_allowed", "POST /api/v1/jobs");
  expectError("DELETE", "/api/v1/jobs/reasoning", 405, "method_not_allowed", "GET");
  const HttpResponse r = handler_.handle("PUT", "/healthz", "{}");
  ASSERT_EQ(r.status, 405);
  bool allow = false;
  for (const auto& [name, value] : r.headers) allow |= name == "Allow" && value == "GET";
  EXPECT_TRUE(allow);
}

TEST_F(HttpRestHandler, MalformedTargetIs400) {
  expectError("GET", "/api/v1/jobs/a%4", 400, "bad_request", "a%4");
  expectError("GET", "*", 400, "bad_request", "origin-form");
  expectError("GET", "/healthz?verbose=1", 400, "bad_request", "'verbose'");
}

TEST_F(HttpRestHandler, StoreExceptionIs500WithItsMessage) {
  store_.failWith = "database is locked";
  for (const std::string target : {"/api/v1/jobs", "/metrics", "/api/v1/jobs/reasoning/metrics"}) {
    expectError("GET", target, 500, "internal", "database is locked");
  }
  // healthz does not read the store: it still answers.
  EXPECT_EQ(get("/healthz").status, 200);
}

TEST_F(HttpRestHandler, PrometheusEndpoint) {
  const HttpResponse r = get("/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, kPrometheusContentType);
  EXPECT_NE(r.body.find("cog_job_step{job=\"reasoning\"} 300\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("cog_job_state{job=\"speed\",state=\"queued\"} 1\n"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("cog_job_metric{job=\"reasoning\",name=\"loss\"} 1.25\n"),
            std::string::npos);
  EXPECT_EQ(r.body.find("name=\"lr\""), std::string::npos) << "NaN samples are left out";
}

}  // namespace
}  // namespace cog::coord
