// The acting routes (POST, bearer token), job logs and the dashboard files, through
// RestHandler with plain strings: no sockets, a fake store, a fake coordinator.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "coordinator/http/rest_handler.hpp"
#include "tests/coordinator/http/fake_store_reader.hpp"

namespace cog::coord {
namespace {

using nlohmann::json;

// Records what the routes asked for; answers with the refusal set by the test, if any.
class FakeOperator : public OperatorActions {
 public:
  std::string stopJob(const std::string& job, const std::string& who) override { return record("stop " + job, who); }
  std::string checkpointJob(const std::string& job, const std::string& who) override {
    return record("checkpoint " + job, who);
  }
  std::string relaunchJob(const std::string& job, const std::vector<std::string>& overrides,
                          const std::string& checkpoint, const std::string& who) override {
    std::string call = "relaunch " + job + " [";
    for (const auto& o : overrides) call += o + ";";
    return record(call + "] from '" + checkpoint + "'", who);
  }
  std::string stopExperiment(const std::string& experiment, const std::string& who) override {
    return record("stop experiment " + experiment, who);
  }

  std::string record(const std::string& call, const std::string& who) {
    calls.push_back(call);
    last_who = who;
    if (refuse) throw *refuse;
    return "done: " + call;
  }
  std::vector<std::string> calls;
  std::string last_who;
  std::optional<OperatorError> refuse;
};

constexpr const char* kToken = "0123456789abcdef0123456789abcdef";
const std::string kBearer = std::string("Bearer ") + kToken;

class HttpRestActions : public ::testing::Test {
 protected:
  HttpResponse post(const std::string& target, const std::string& body = "", const std::string& auth = kBearer) {
    return handler_.handle(HttpRequestView{"POST", target, body, auth, "10.0.0.7"});
  }
  static json parse(const HttpResponse& r) { return json::parse(r.body, nullptr, false); }

  fakes::FakeStoreReader store_ = fakes::sampleStore();
  FakeOperator operator_;
  RestHandler handler_{store_, &operator_, kToken};
};

const std::vector<std::string> kActingRoutes = {"/api/v1/jobs/reasoning/stop", "/api/v1/jobs/reasoning/checkpoint",
                                                "/api/v1/jobs/reasoning/relaunch", "/api/v1/experiments/cognate/stop"};

TEST_F(HttpRestActions, EveryActingRouteRefusesAMissingOrWrongTokenAndActsOnNothing) {
  int refused = 0;
  for (const auto& route : kActingRoutes) {
    for (const char* auth : {"", "Basic dXNlcjpwYXNz", "Bearer", "Bearer "}) {
      const HttpResponse r = post(route, "", auth);
      EXPECT_EQ(r.status, 401) << route << " with '" << auth << "': " << r.body;
      EXPECT_EQ(parse(r).value("error", ""), "unauthorized");
      bool challenge = false;
      for (const auto& [k, v] : r.headers) challenge = challenge || (k == "WWW-Authenticate" && v.rfind("Bearer", 0) == 0);
      EXPECT_TRUE(challenge) << route;
      ++refused;
    }
    for (const std::string& auth : {std::string("Bearer wrong"), kBearer + "0", kBearer.substr(0, kBearer.size() - 1) + "0"}) {
      const HttpResponse r = post(route, "", auth);
      EXPECT_EQ(r.status, 403) << route << " with '" << auth << "': " << r.body;
      EXPECT_EQ(parse(r).value("error", ""), "forbidden");
      ++refused;
    }
  }
  EXPECT_EQ(refused, 28) << "4 routes x (4 missing + 3 wrong) tokens";
  EXPECT_TRUE(operator_.calls.empty()) << "nothing acted on";
}

TEST_F(HttpRestActions, WithTheTokenEachRouteAsksTheCoordinatorNamingTheOperator) {
  json r = parse(post("/api/v1/jobs/reasoning/stop"));
  EXPECT_EQ(r["job"], "reasoning");
  EXPECT_EQ(r["accepted"], "done: stop reasoning");
  EXPECT_EQ(operator_.last_who, "operator via REST from 10.0.0.7");
  r = parse(post("/api/v1/jobs/reasoning/checkpoint", "", "bearer " + std::string(kToken)));
  EXPECT_EQ(r["accepted"], "done: checkpoint reasoning") << "the scheme is case-insensitive";
  r = parse(post("/api/v1/jobs/reasoning/relaunch", R"({"overrides": ["optim.muon_lr=0.005"], "checkpoint": "best"})"));
  EXPECT_EQ(r["accepted"], "done: relaunch reasoning [optim.muon_lr=0.005;] from 'best'");
  r = parse(post("/api/v1/jobs/reasoning/relaunch"));
  EXPECT_EQ(r["accepted"], "done: relaunch reasoning [] from ''") << "an empty body relaunches as configured";
  r = parse(post("/api/v1/experiments/cognate/stop"));
  EXPECT_EQ(r["experiment"], "cognate");
  EXPECT_EQ(operator_.calls.size(), 5u);
}

TEST_F(HttpRestActions, RefusalsBecomeStatusCodes) {
  operator_.refuse = OperatorError(OperatorError::Kind::kConflict, "job 'reasoning' has already ended");
  HttpResponse r = post("/api/v1/jobs/reasoning/stop");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(parse(r)["detail"], "job 'reasoning' has already ended");
  operator_.refuse = OperatorError(OperatorError::Kind::kNotFound, "no job 'x'");
  EXPECT_EQ(post("/api/v1/jobs/x/stop").status, 404);
  operator_.refuse = OperatorError(OperatorError::Kind::kBadRequest, "override 'lr' is not key.path=value");
  EXPECT_EQ(post("/api/v1/jobs/reasoning/relaunch", R"({"overrides": ["lr"]})").status, 400);
}

TEST_F(HttpRestActions, ABadRelaunchBodyIs400NamingWhatIsWrong) {
  for (const std::string body : {"[1]", "{not json", R"({"overides": []})", R"({"overrides": "a=1"})",
                                 R"({"overrides": [1]})", R"({"checkpoint": 3})"}) {
    const HttpResponse r = post("/api/v1/jobs/reasoning/relaunch", body);
    EXPECT_EQ(r.status, 400) << body << " → " << r.body;
    EXPECT_NE(parse(r).value("detail", "").find("expected {\"overrides\""), std::string::npos) << r.body;
  }
  EXPECT_TRUE(operator_.calls.empty());
}

TEST_F(HttpRestActions, MethodsAreCheckedBothWays) {
  HttpResponse r = handler_.handle("GET", "/api/v1/jobs/reasoning/stop", "");
  EXPECT_EQ(r.status, 405);
  bool allows_post = false;
  for (const auto& [k, v] : r.headers) allows_post = allows_post || (k == "Allow" && v == "POST");
  EXPECT_TRUE(allows_post);
  EXPECT_EQ(post("/api/v1/jobs").status, 405);
  EXPECT_TRUE(operator_.calls.empty());
}

TEST_F(HttpRestActions, AReadOnlyServerRefusesToAct) {
  RestHandler read_only{store_};
  const HttpResponse r = read_only.handle(HttpRequestView{"POST", "/api/v1/jobs/reasoning/stop", "", kBearer, ""});
  EXPECT_EQ(r.status, 405);
  EXPECT_NE(r.body.find("only reads"), std::string::npos);
}

TEST_F(HttpRestActions, LogsAreServedFromAnOffsetPerAttemptAndRank) {
  const auto dir = std::filesystem::temp_directory_path() / ("cog_logs_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "ranks" / "rank.1");
  std::ofstream(dir / "worker.log") << "rank0 line\nrank1 line\n";
  std::ofstream(dir / "ranks" / "rank.1" / "stdout") << "only rank 1\n";
  store_.attemptRows[1].run_dir = dir.string();

  json r = json::parse(handler_.handle("GET", "/api/v1/jobs/reasoning/logs", "").body);
  EXPECT_EQ(r["attempt"], 2) << "the newest attempt by default";
  EXPECT_EQ(r["text"], "rank0 line\nrank1 line\n");
  EXPECT_EQ(r["next_bytes"], 22);
  r = json::parse(handler_.handle("GET", "/api/v1/jobs/reasoning/logs?since_bytes=11&limit_bytes=5", "").body);
  EXPECT_EQ(r["text"], "rank1");
  EXPECT_EQ(r["next_bytes"], 16);
  EXPECT_EQ(r["truncated"], true);
  r = json::parse(handler_.handle("GET", "/api/v1/jobs/reasoning/logs?rank=1", "").body);
  EXPECT_EQ(r["text"], "only rank 1\n");
  EXPECT_EQ(handler_.handle("GET", "/api/v1/jobs/reasoning/logs?rank=3", "").status, 404);
  EXPECT_EQ(handler_.handle("GET", "/api/v1/jobs/reasoning/logs?attempt=9", "").status, 404);
  EXPECT_EQ(handler_.handle("GET", "/api/v1/jobs/speed/logs", "").status, 404) << "no attempt yet";
  r = json::parse(handler_.handle("GET", "/api/v1/jobs/reasoning/logs?attempt=1", "").body);
  EXPECT_EQ(r["size"], -1) << "attempt 1's log is not there (yet)";
  std::filesystem::remove_all(dir);
}

TEST_F(HttpRestActions, TheDashboardAndItsPlottingLibraryAreServedFromTheBinary) {
  HttpResponse page = handler_.handle("GET", "/", "");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("/static/dygraph.min.js"), std::string::npos);
  HttpResponse lib = handler_.handle("GET", "/static/dygraph.min.js", "");
  EXPECT_EQ(lib.status, 200);
  EXPECT_GT(lib.body.size(), 50000u) << "Debian's dygraphs, whole";
  EXPECT_NE(lib.body.find("Dygraph"), std::string::npos);
  EXPECT_EQ(handler_.handle("GET", "/static/dashboard.js", "").status, 200);
  // Every file the page asks for is compiled in (a new script must be added to the embed list).
  for (size_t at = page.body.find("/static/"); at != std::string::npos; at = page.body.find("/static/", at + 1)) {
    const std::string path = page.body.substr(at, page.body.find('"', at) - at);
    EXPECT_EQ(handler_.handle("GET", path, "").status, 200) << path;
  }
  EXPECT_NE(page.body.find("/static/sweeps.js"), std::string::npos);
  const HttpResponse missing = handler_.handle("GET", "/static/nope.js", "");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("dashboard.js"), std::string::npos) << "names the files there are";
}

}  // namespace
}  // namespace cog::coord
