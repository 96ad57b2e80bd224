#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "common/error.hpp"
#include "model/cognate.hpp"
#include "worker/config/worker_config.hpp"
#include "worker/demo.hpp"
#include "worker_test_util.hpp"

namespace cog::worker {
namespace {

std::string errorOf(const std::function<void()>& fn) { return testing::errorOf<ConfigError>(fn); }

TEST(WorkerConfig, ParsesEverySectionAndAppliesPresetThenOverrides) {
  testing::ScratchDir dir("config_parse");
  auto path = dir.write("micro.yaml", testing::microConfigYaml());
  auto c = loadWorkerConfig(path);
  EXPECT_EQ(c.model.d_model, 32);
  EXPECT_EQ(c.model.t_max, 3);         // from the reasoning variant
  EXPECT_EQ(c.model.vocab_size, 259);  // from the tiny preset
  EXPECT_EQ(c.train.seed, 42u);        // 0 means the variant's seed
  ASSERT_EQ(c.data.sources.size(), 1u);
  EXPECT_EQ(c.data.sources[0].count, 1800);
  EXPECT_EQ(c.data.sources[0].families, std::vector<std::string>{"arithmetic"});
  EXPECT_EQ(c.schedule.kind, "warmup_cosine");
  EXPECT_DOUBLE_EQ(c.optim.grokfast_lambda, 0.1);
}

// train.seed once only seeded the global RNG, which the model then re-seeded from model.seed:
// a run with another train.seed started from the very same weights.
TEST(WorkerConfig, TrainSeedSeedsTheWeights) {
  testing::ScratchDir dir("config_seed");
  auto path = dir.write("micro.yaml", testing::microConfigYaml());
  auto c = loadWorkerConfig(path, {"train.seed=7"});
  EXPECT_EQ(c.train.seed, 7u);
  EXPECT_EQ(c.model.seed, 7u);
  auto a = model::makeCognateModel(c.model);
  auto b = model::makeCognateModel(loadWorkerConfig(path).model);
  EXPECT_FALSE(torch::equal(a->parameters()[0], b->parameters()[0]));
}

TEST(WorkerConfig, SetOverridesKeepTypesAndReachListItems) {
  testing::ScratchDir dir("config_set");
  auto path = dir.write("micro.yaml", testing::microConfigYaml());
  auto c = loadWorkerConfig(path, {"train.batch_size=7", "optim.muon_lr=0.05", "data.sources[0].count=99",
                                   "model.variant=speed", "faults.nan_at_step=12"});
  EXPECT_EQ(c.train.batch_size, 7);
  EXPECT_DOUBLE_EQ(c.optim.muon_lr, 0.05);
  EXPECT_EQ(c.data.sources[0].count, 99);
  EXPECT_EQ(c.model.t_max, 2);
  EXPECT_EQ(c.faults.nan_at_step, 12);
  EXPECT_EQ(c.data.packing, data::Packing::stream);
  EXPECT_EQ(loadWorkerConfig(path, {"data.packing=documents"}).data.packing, data::Packing::documents);
  EXPECT_EQ(loadWorkerConfig(path, {"data.packing=aligned"}).data.packing, data::Packing::aligned);
  EXPECT_FALSE(c.data.fill_rows);
  EXPECT_EQ(c.model.positions, "learned");
  EXPECT_EQ(loadWorkerConfig(path, {"model.positions=rope"}).model.positions, "rope");
  EXPECT_TRUE(loadWorkerConfig(path, {"data.packing=documents", "data.fill_rows=true"}).data.fill_rows);
  EXPECT_NE(c.yaml.find("nan_at_step: 12"), std::string::npos) << "the effective YAML is what checkpoints store";
}

TEST(WorkerConfig, CurriculumStagesSetTheirSourcesWeights) {
  testing::ScratchDir dir("config_stage_weights");
  auto path = dir.write("micro.yaml", testing::microConfigYaml());
  auto c = loadWorkerConfig(path, {"data.curriculum=[{from_epoch: 0}, {from_epoch: 1, weights: {recall: 0.25, synthetic: 2}}]"});
  ASSERT_EQ(c.data.curriculum.size(), 2u);
  EXPECT_TRUE(c.data.curriculum[0].source_weights.empty());
  const std::map<std::string, double> expected{{"recall", 0.25}, {"synthetic", 2.0}};
  EXPECT_EQ(c.data.curriculum[1].source_weights, expected);

  auto negative = errorOf([&] { loadWorkerConfig(path, {"data.curriculum=[{from_epoch: 0, weights: {recall: -1}}]"}); });
  EXPECT_NE(negative.find("data.curriculum[0].weights.recall = -1: must be a finite number >= 0"), std::string::npos)
      << negative;
  auto list = errorOf([&] { loadWorkerConfig(path, {"data.curriculum=[{from_epoch: 0, weights: [1, 2]}]"}); });
  EXPECT_NE(list.find("data.curriculum[0].weights = [1, 2]: expected a mapping of names to numbers"), std::string::npos)
      << list;
}

TEST(WorkerConfig, UnknownKeysBadTypesAndBadValuesNameFileKeyAndValue) {
  testing::ScratchDir dir("config_errors");
  auto path = dir.write("micro.yaml", testing::microConfigYaml());
  auto typo = errorOf([&] { loadWorkerConfig(path, {"train.batchsize=3"}); });
  EXPECT_NE(typo.find("micro.yaml"), std::string::npos) << typo;
  EXPECT_NE(typo.find("unknown key train.batchsize"), std::string::npos) << typo;
  EXPECT_NE(typo.find("batch_size"), std::string::npos) << "lists the known keys: " << typo;

  auto type = errorOf([&] { loadWorkerConfig(path, {"train.epochs=many"}); });
  EXPECT_NE(type.find("train.epochs = many: expected an integer"), std::string::npos) << type;

  auto range = errorOf([&] { loadWorkerConfig(path, {"optim.momentum=1.5"}); });
  EXPECT_NE(range.find("optim.momentum"), std::string::npos) << range;

  auto variant = errorOf([&] { loadWorkerConfig(path, {"model.variant=turbo"}); });
  EXPECT_NE(variant.find("model.variant = turbo"), std::string::npos) << variant;
  auto positions = errorOf([&] { loadWorkerConfig(path, {"model.positions=alibi"}); });
  EXPECT_NE(positions.find("micro.yaml: model.positions = alibi: expected learned or rope"), std::string::npos)
      << positions;

  auto nested = errorOf([&] { loadWorkerConfig(path, {"data.sources[0].weigth=2"}); });
  EXPECT_NE(nested.find("data.sources[0].weigth"), std::string::npos) << nested;

  auto packing = errorOf([&] { loadWorkerConfig(path, {"data.packing=dense"}); });
  EXPECT_NE(packing.find("data.packing = dense: expected stream, aligned or documents"), std::string::npos) << packing;
  auto fill = errorOf([&] { loadWorkerConfig(path, {"data.fill_rows=true"}); });
  EXPECT_NE(fill.find("data.fill_rows = true: only for packing aligned or documents"), std::string::npos) << fill;
  auto loss_on = errorOf([&] { loadWorkerConfig(path, {"data.loss_on=question"}); });
  EXPECT_NE(loss_on.find("data.loss_on = question: expected all or answer"), std::string::npos) << loss_on;
  auto source_loss_on = errorOf([&] { loadWorkerConfig(path, {"data.sources[0].loss_on=text"}); });
  EXPECT_NE(source_loss_on.find("data.sources[0].loss_on = text: expected all or answer"), std::string::npos)
      << source_loss_on;
  EXPECT_EQ(loadWorkerConfig(path, {"data.sources[0].loss_on=all"}).data.sources[0].loss_on, "all");

  auto seq = errorOf([&] { loadWorkerConfig(path, {"train.seq_len=500"}); });
  EXPECT_NE(seq.find("model.max_seq_len"), std::string::npos) << seq;

  auto schedule = errorOf([&] { loadWorkerConfig(path, {"schedule.kind=wsd"}); });
  EXPECT_NE(schedule.find("schedule.kind = wsd: expected constant, warmup_cosine or warmup_stable_decay"),
            std::string::npos) << schedule;
  auto decay = errorOf([&] { loadWorkerConfig(path, {"schedule.decay_fraction=1.2"}); });
  EXPECT_NE(decay.find("schedule.decay_fraction = 1.2"), std::string::npos) << decay;
  EXPECT_EQ(loadWorkerConfig(path, {"schedule.kind=warmup_stable_decay", "schedule.decay_fraction=0.3"})
                .schedule.decay_fraction,
            0.3);
}

TEST(WorkerConfig, ErrorsInTheFileCarryItsLineNumber) {
  testing::ScratchDir dir("config_lines");
  auto text = testing::microConfigYaml();
  const size_t at = text.find("  epochs: 3");
  text.replace(at, 11, "  epochs: x");
  const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n');
  auto path = dir.write("bad.yaml", text);
  auto message = errorOf([&] { loadWorkerConfig(path); });
  EXPECT_NE(message.find("bad.yaml:" + std::to_string(line) + ": train.epochs = x"), std::string::npos)
      << message;
  auto missing = errorOf([&] { loadWorkerConfig((dir.path() / "absent.yaml").string()); });
  EXPECT_NE(missing.find("absent.yaml: cannot open"), std::string::npos) << missing;
  auto malformed = errorOf([&] { loadWorkerConfig(path, {"train.epochs"}); });
  EXPECT_NE(malformed.find("expected key.path=value"), std::string::npos) << malformed;
}

TEST(WorkerConfig, RelativeDataPathsResolveBesideTheConfigFile) {
  testing::ScratchDir dir("config_paths");
  std::filesystem::create_directories(dir.path() / "data");
  dir.write("data/train.jsonl", "{}\n");
  auto text = testing::microConfigYaml();
  text.replace(text.find("    - kind: synthetic"), std::string("    - kind: synthetic").size(),
               "    - kind: gsm8k\n      path: data/train.jsonl\n    - kind: synthetic");
  auto path = dir.write("paths.yaml", text);
  auto c = loadWorkerConfig(path);
  EXPECT_EQ(c.data.sources[0].path, (dir.path() / "data/train.jsonl").string());
}

TEST(WorkerConfig, EveryShippedModelConfigParses) {
  const auto dir = std::filesystem::path(COG_TEST_FIXTURES_DIR) / "../../../configs/models";
  int parsed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    SCOPED_TRACE(entry.path().string());
    auto c = loadWorkerConfig(entry.path().string());
    EXPECT_FALSE(c.data.sources.empty());
    ++parsed;
  }
  EXPECT_GE(parsed, 6);  // reasoning, memory, speed and their tiny-* versions
}

// `cogworker demo` trains the file `make demo` trains, as it was at build time.
TEST(WorkerConfig, TheEmbeddedDemoConfigIsTinyDemoYaml) {
  const auto path = std::filesystem::path(COG_TEST_FIXTURES_DIR) / "../../../configs/models/tiny-demo.yaml";
  std::ifstream file(path);
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(text.empty()) << path;
  EXPECT_EQ(std::string(demoConfigYaml()), text);
  const auto c = parseWorkerConfig(demoConfigYaml(), "demo.yaml");
  EXPECT_EQ(c.model.variant, "reasoning");
  EXPECT_EQ(c.data.sources.size(), 4u);  // one_digit, recall, two_digit, two_digit_arith
}

}  // namespace
}  // namespace cog::worker
