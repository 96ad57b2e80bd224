// metrics.jsonl lines: every message the worker logs round-trips to the message the wire
// would have delivered, the old keys stay, and bad lines say what is wrong.
#include "comms/wire/jsonl_codec.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace cog::wire {
namespace {

template <typename T>
T roundTrip(const T& message) {
  const std::string line = encodeJsonLine(message);
  auto decoded = decodeJsonLine(line);
  EXPECT_TRUE(decoded.message) << decoded.error << " in " << line;
  if (!decoded.message) return T{};
  const T* typed = std::get_if<T>(&*decoded.message);
  EXPECT_NE(typed, nullptr) << line;
  return typed ? *typed : T{};
}

TEST(WireJsonlCodec, MetricsKeepTheirKeysOrderAndNonFiniteValues) {
  Metrics m;
  m.step = 40;
  m.epoch = 1;
  m.step_in_epoch = 3;
  m.steps_in_epoch = 9;
  m.eta_seconds = 12.5;
  m.scalars = {{"loss", std::numeric_limits<double>::quiet_NaN()},
               {"grad_norm", std::numeric_limits<double>::infinity()},
               {"lr_muon", 0.02}};
  const std::string line = encodeJsonLine(m);
  EXPECT_EQ(line.rfind(R"({"v":2,"type":"step","step":40,)", 0), 0u) << line;
  EXPECT_NE(line.find(R"("metrics":{"loss":"nan","grad_norm":"inf","lr_muon":0.02})"),
            std::string::npos)
      << line;
  const Metrics back = roundTrip(m);
  EXPECT_EQ(back.step, 40);
  EXPECT_EQ(back.steps_in_epoch, 9);
  EXPECT_EQ(back.eta_seconds, 12.5);
  ASSERT_EQ(back.scalars.size(), 3u);
  EXPECT_EQ(back.scalars[0].first, "loss") << "report order kept";
  EXPECT_TRUE(std::isnan(back.scalars[0].second));
  EXPECT_TRUE(std::isinf(back.scalars[1].second));
}

TEST(WireJsonlCodec, ValidationCheckpointFinishAndEventRoundTrip) {
  Validation v;
  v.step = 100;
  v.scalars = {{"val_loss", 1.5}};
  v.per_source = {{"synthetic", 1.4}};
  v.samples = {{"synthetic", "Q: 2+2? A:", "4", "4", true},
               {"gsm8k", "Q: \xff", "::::", "8", false}};
  const Validation vb = roundTrip(v);
  ASSERT_EQ(vb.samples.size(), 2u);
  EXPECT_EQ(vb.samples[0].generated, "4");
  EXPECT_TRUE(vb.samples[0].correct);
  EXPECT_EQ(vb.per_source.at(0).second, 1.4);

  const CheckpointSaved c =
      roundTrip(CheckpointSaved{120, "best", "/run/checkpoints/best", NAN, false});
  EXPECT_EQ(c.name, "best");
  EXPECT_TRUE(std::isnan(c.val_loss));
  EXPECT_FALSE(c.healthy);
  EXPECT_NE(encodeJsonLine(CheckpointSaved{}).find(R"("type":"checkpoint")"), std::string::npos);

  const RunFinished f = roundTrip(RunFinished{120, RunEnd::kStopCommand, "val_loss 1.5"});
  EXPECT_EQ(f.reason, RunEnd::kStopCommand);
  EXPECT_NE(encodeJsonLine(RunFinished{}).find(R"("reason":"completed")"), std::string::npos);

  const Event e = roundTrip(Event{7, "stage_change", "curriculum stage 1"});
  EXPECT_EQ(e.kind, "stage_change");
}

TEST(WireJsonlCodec, BadLinesSayWhatIsWrong) {
  auto error = [](const std::string& line) { return decodeJsonLine(line).error; };
  EXPECT_NE(error(R"({"v":2,"type":"step","step":4)").find("not JSON"), std::string::npos);
  EXPECT_NE(error(R"([1,2])").find("not a JSON object"), std::string::npos);
  EXPECT_NE(error(R"({"type":"step"})").find("no version"), std::string::npos);
  EXPECT_NE(error(R"({"v":9,"type":"step"})").find("version 9"), std::string::npos);
  EXPECT_NE(error(R"({"v":2,"type":"nope"})").find("unknown \"type\""), std::string::npos);
  EXPECT_NE(error(R"({"v":2,"type":"finished","step":1,"reason":"exploded","detail":""})")
                .find("not a run end"),
            std::string::npos);
  EXPECT_NE(error(R"({"v":2,"type":"event","step":1,"kind":"x"})").find("no \"detail\" key"),
            std::string::npos);
  EXPECT_NE(
      error(R"({"v":2,"type":"event","step":"one","kind":"x","detail":""})").find("not an integer"),
      std::string::npos);
}

}  // namespace
}  // namespace cog::wire
