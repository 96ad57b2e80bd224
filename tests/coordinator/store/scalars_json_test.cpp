#include "coordinator/store/scalars_json.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "coordinator/store/sqlite_check.hpp"

namespace cog::coord {
namespace {

TEST(ScalarsJson, KeepsOrderAndExactValues) {
  const Scalars in = {{"zeta", 0.1}, {"alpha", -2.5e-300}, {"mid", 1.0 / 3.0}, {"big", 1e300}};
  const Scalars out = scalarsFromJson(scalarsToJson(in), "test");
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out[i].first, in[i].first);
    EXPECT_EQ(out[i].second, in[i].second) << in[i].first;  // bit-exact, not approximate
  }
}

TEST(ScalarsJson, IntegralValuesAndNegativeZeroStayDoubles) {
  const Scalars in = {{"step_ms", 3.0}, {"zero", -0.0}, {"huge", 1e300}, {"tiny", 5e-324}};
  const std::string text = scalarsToJson(in);
  EXPECT_EQ(text, R"({"step_ms":3.0,"zero":-0.0,"huge":1e+300,"tiny":5e-324})");
  const Scalars out = scalarsFromJson(text, "test");
  ASSERT_EQ(out.size(), in.size());
  EXPECT_TRUE(std::signbit(out[1].second));
  for (size_t i = 0; i < in.size(); ++i) EXPECT_EQ(out[i].second, in[i].second);
}

TEST(ScalarsJson, NamesNeedingEscapesRoundTrip) {
  const Scalars in = {{"quote\"d", 1.0}, {"back\\slash", 2.0}, {"tab\there", -0.5}};
  EXPECT_EQ(scalarsFromJson(scalarsToJson(in), "test"), in);
}

TEST(ScalarsJson, NonFiniteValuesSurvive) {
  const double inf = std::numeric_limits<double>::infinity();
  const Scalars in = {{"loss", std::nan("")}, {"grad_norm", inf}, {"delta", -inf}};
  const std::string text = scalarsToJson(in);
  EXPECT_EQ(text, R"({"loss":"nan","grad_norm":"inf","delta":"-inf"})");
  const Scalars out = scalarsFromJson(text, "test");
  ASSERT_EQ(out.size(), 3u);
  EXPECT_TRUE(std::isnan(out[0].second));
  EXPECT_EQ(out[1].second, inf);
  EXPECT_EQ(out[2].second, -inf);
}

TEST(ScalarsJson, UnicodeNamesSurvive) {
  const Scalars in = {{"verlust_ä", 1.5}, {"損失", 2.5}, {"emoji_🚀", 3.5}};
  EXPECT_EQ(scalarsFromJson(scalarsToJson(in), "test"), in);
}

TEST(ScalarsJson, EmptyTextIsNoScalars) {
  EXPECT_TRUE(scalarsFromJson("", "test").empty());
  EXPECT_EQ(scalarsToJson({}), "{}");
}

TEST(ScalarsJson, CorruptTextIsAStoreErrorNamingTheRow) {
  try {
    scalarsFromJson("{\"loss\": [1]}", "runs/x.db: metric step 7");
    FAIL() << "expected StoreError";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("runs/x.db: metric step 7"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("loss"), std::string::npos);
  }
  EXPECT_THROW(scalarsFromJson("{not json", "x"), StoreError);
  EXPECT_THROW(scalarsFromJson("[1, 2]", "x"), StoreError);
  EXPECT_THROW(scalarsFromJson("{\"a\": \"infinity\"}", "x"), StoreError);
}

TEST(StringsJson, RoundTrip) {
  const std::vector<std::string> in = {"optim.lr=0.00015", "name=\"quoted\" ü", ""};
  EXPECT_EQ(stringsFromJson(stringsToJson(in), "test"), in);
  EXPECT_TRUE(stringsFromJson(stringsToJson({}), "test").empty());
  EXPECT_THROW(stringsFromJson("[1]", "x"), StoreError);
}

}  // namespace
}  // namespace cog::coord
