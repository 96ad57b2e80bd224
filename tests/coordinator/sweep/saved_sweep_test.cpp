// The sweep a state dir holds, rebuilt as `cogcoord serve` and `resume` do: the REST document
// from a fixture sweep_state.json (written by a real run of fixtures/saved_asha.yaml with
// cog_fake_worker), served through the RestHandler; no state, and broken state.
#include "coordinator/sweep/saved_sweep.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "common/error.hpp"
#include "coordinator/http/rest_handler.hpp"
#include "tests/coordinator/http/fake_store_reader.hpp"

namespace cog::coord::sweep {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
const fs::path kFixtures = COG_TEST_FIXTURES_DIR;

std::string readFile(const fs::path& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A state dir (removed at the end) and a store whose experiment is the fixture sweep file.
class SavedSweepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state_.root = fs::temp_directory_path() /
                  ("cog_saved_sweep_" + std::to_string(::getpid()) + "_" +
                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(state_.root);
    const fs::path sweep_file = kFixtures / "saved_asha.yaml";
    store_.experimentRows.push_back(
        {"saved_asha", sweep_file.string(), readFile(sweep_file), "finished", 1, 2});
  }
  void TearDown() override { fs::remove_all(state_.root); }
  void writeState(const std::string& text) {
    std::ofstream(sourceStateFile(state_, "sweep")) << text;
  }

  StateDir state_;
  fakes::FakeStoreReader store_;
};

TEST_F(SavedSweepTest, ViewOfTheFixtureState) {
  writeState(readFile(kFixtures / "saved_asha_state.json"));
  const auto views = savedSweepViews(state_, store_);
  ASSERT_EQ(views.size(), 1u);
  const json view = json::parse(views[0]);
  EXPECT_EQ(view["id"], "saved_asha");
  EXPECT_EQ(view["searcher"], "asha");
  EXPECT_EQ(view["metric"], "val_loss");
  EXPECT_EQ(view["mode"], "min");
  EXPECT_EQ(view["max_trials"], 4);
  ASSERT_EQ(view["models"].size(), 1u);
  const json& model = view["models"][0];
  EXPECT_EQ(model["name"], "model");

  // Best first: the one trained to the end, then by resource reached, then by val_loss.
  std::vector<std::string> jobs;
  for (const auto& t : model["trials"]) jobs.push_back(t["job"]);
  EXPECT_EQ(jobs, (std::vector<std::string>{"saved_asha-model-t000", "saved_asha-model-t001",
                                            "saved_asha-model-t003", "saved_asha-model-t002"}));
  const json& best = model["trials"][0];
  EXPECT_EQ(best["status"], "completed");
  EXPECT_EQ(best["resource"], 4);
  EXPECT_EQ(best["rung"], 1);
  EXPECT_NEAR(best["metric"].get<double>(), 0.4565, 1e-4);
  EXPECT_EQ(best["hyperparameters"],
            (json{{"optim.muon_lr", "0.023552385888307804"}, {"train.batch_size", "16"}}));
  EXPECT_EQ(model["trials"][1]["status"], "paused");
  EXPECT_EQ(model["trials"][3]["rung"], 0);

  // ASHA's rungs: 4 trials reached epoch 1, 2 were promoted; 2 reached epoch 2, 1 promoted.
  ASSERT_EQ(model["rungs"].size(), 2u);
  EXPECT_EQ(model["rungs"][0], (json{{"milestone", 1}, {"results", 4}, {"promoted", {0, 1}}}));
  EXPECT_EQ(model["rungs"][1], (json{{"milestone", 2}, {"results", 2}, {"promoted", {0}}}));

  EXPECT_EQ(model["best"]["job"], "saved_asha-model-t000");
  EXPECT_EQ(model["best"]["set"],
            "--set checkpoint.every_epochs=1 --set train.epochs=4 --set "
            "optim.muon_lr=0.023552385888307804 "
            "--set train.batch_size=16");

  // What `cogcoord serve` answers is that document, and its list counts the trials.
  RestHandler rest(store_);
  rest.setSweeps([&] { return savedSweepViews(state_, store_); });
  const HttpResponse detail = rest.handle("GET", "/api/v1/sweeps/saved_asha", "");
  ASSERT_EQ(detail.status, 200) << detail.body;
  EXPECT_EQ(json::parse(detail.body), view);
  const HttpResponse list = rest.handle("GET", "/api/v1/sweeps", "");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(json::parse(list.body)["sweeps"][0]["models"][0]["trials"], 4);
}

TEST_F(SavedSweepTest, NoneWithoutSweepState) {
  EXPECT_EQ(loadSavedSweep(state_, store_), nullptr);
  RestHandler rest(store_);
  rest.setSweeps([&] { return savedSweepViews(state_, store_); });
  const HttpResponse list = rest.handle("GET", "/api/v1/sweeps", "");
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(json::parse(list.body), (json{{"sweeps", json::array()}}));
  EXPECT_EQ(rest.handle("GET", "/api/v1/sweeps/saved_asha", "").status, 404);
}

TEST_F(SavedSweepTest, BrokenStateNamesTheFile) {
  const std::string file = sourceStateFile(state_, "sweep").string();
  writeState("{\"version\": 1");
  try {
    loadSavedSweep(state_, store_);
    FAIL() << "malformed state was accepted";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(file + ": sweep state: not valid JSON"), std::string::npos)
        << e.what();
  }

  json other = json::parse(readFile(kFixtures / "saved_asha_state.json"));
  other["sweep"] = "other";
  writeState(other.dump());
  try {
    loadSavedSweep(state_, store_);
    FAIL() << "another sweep's state was accepted";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("of sweep 'other', not 'saved_asha'"), std::string::npos)
        << e.what();
  }
  // Served, the error is the request's answer, naming the file.
  RestHandler rest(store_);
  rest.setSweeps([&] { return savedSweepViews(state_, store_); });
  const HttpResponse list = rest.handle("GET", "/api/v1/sweeps", "");
  EXPECT_EQ(list.status, 500);
  EXPECT_NE(list.body.find("sweep_state.json"), std::string::npos) << list.body;

  store_.experimentRows.clear();
  EXPECT_THROW(loadSavedSweep(state_, store_), DataError);
}

}  // namespace
}  // namespace cog::coord::sweep
