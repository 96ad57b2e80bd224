// The sweep as the coordinator's JobSource: requests, the REST view and the end's files.
#include "coordinator/sweep/sweep_job_source.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace cog::coord::sweep {
namespace {

const std::string kFixtures = COG_TEST_FIXTURES_DIR;

SweepConfig ashaConfig() {
  return parseSweepConfig(
      "name: lr\nslots: 2\nbase: {config: model.yaml}\n"
      "space: {optim.muon_lr: {loguniform: [0.005, 0.05]}, train.batch_size: {choice: [16, 32]}}\n"
      "metric: {name: val_loss, mode: min}\nbudget: {max_trials: 3, max_concurrent: 2, "
      "max_per_trial: 4}\n"
      "searcher: {kind: asha, grace: 1, eta: 2, mode: promote}\n",
      "sweep.yaml", kFixtures);
}

ValidationRow validation(const std::string& job, int64_t epoch, double val_loss) {
  ValidationRow row;
  row.job_id = job;
  row.attempt = 1;
  row.epoch = epoch;
  row.scalars = {{"val_loss", val_loss}};
  return row;
}

TEST(SweepJobSource, RequestsViewAndBestFile) {
  SweepJobSource source(ashaConfig());
  const auto added = source.onFreeSlots(2);
  ASSERT_EQ(added.size(), 2u);
  EXPECT_EQ(std::get<AddJobRequest>(added[0]).spec.name, "lr-model-t000");
  const auto pause = source.onValidation(validation("lr-model-t000", 0, 0.5));
  ASSERT_EQ(pause.size(), 1u);
  EXPECT_EQ(std::get<StopJobRequest>(pause[0]).reason.rfind("pause: ", 0), 0u);
  EXPECT_EQ(source.jobSpecs().size(), 2u);

  const auto view = nlohmann::json::parse(source.restView());
  EXPECT_EQ(view["id"], "lr");
  EXPECT_EQ(view["searcher"], "asha");
  const auto& model = view["models"][0];
  EXPECT_EQ(model["name"], "model");
  ASSERT_EQ(model["trials"].size(), 2u);
  EXPECT_EQ(model["trials"][0]["job"], "lr-model-t000");
  EXPECT_EQ(model["trials"][0]["status"], "paused");
  EXPECT_EQ(model["trials"][0]["rung"], 0);
  EXPECT_EQ(model["trials"][0]["metric"], 0.5);
  EXPECT_TRUE(model["trials"][0]["hyperparameters"].contains("optim.muon_lr"));
  EXPECT_TRUE(model["trials"][1]["metric"].is_null());
  EXPECT_EQ(model["rungs"][0]["milestone"], 1);
  EXPECT_EQ(model["best"]["job"], "lr-model-t000");
  EXPECT_NE(source.statusTable().find("lr-model-t000  paused  1 epochs  rung 0  val_loss 0.5"),
            std::string::npos)
      << source.statusTable();

  const auto dir =
      std::filesystem::temp_directory_path() / ("cog_sweep_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string summary = source.finish(dir);
  EXPECT_NE(summary.find("best: cogworker train --config"), std::string::npos) << summary;
  std::ifstream best(dir / "best.yaml");
  const std::string text((std::istreambuf_iterator<char>(best)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("muon_lr"), std::string::npos) << text;
  EXPECT_NE(text.find("epochs: 4"), std::string::npos) << text;
  std::filesystem::remove_all(dir);

  // A state saved and restored gives the same view.
  SweepJobSource resumed(ashaConfig());
  resumed.restoreState(source.stateJson());
  EXPECT_EQ(resumed.restView(), source.restView());
}

}  // namespace
}  // namespace cog::coord::sweep
