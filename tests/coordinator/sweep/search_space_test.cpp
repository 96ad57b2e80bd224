// The search space and the random stream: draws, domains, grid order, --set text.
#include "coordinator/sweep/search_space.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "common/error.hpp"
#include "coordinator/sweep/random_stream.hpp"

namespace cog::coord::sweep {
namespace {

SearchSpace parseSpace(const std::string& yaml) {
  YAML::Node root = YAML::Load("space: " + yaml);
  YamlFields top(root, "", "sweep.yaml");
  const YAML::Node& const_root = root;
  return parseSearchSpace(top.section("space"), const_root["space"]);
}

std::string spaceError(const std::string& yaml) {
  try {
    parseSpace(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(RandomStream, FollowsTheStandardMt19937_64Sequence) {
  // The standard fixes the 10000th output of a default-seeded (5489) mt19937_64; uniform()
  // keeps its top 53 bits.
  RandomStream stream(5489);
  double u = 0;
  for (int i = 0; i < 10000; ++i) u = stream.uniform();
  EXPECT_EQ(u, static_cast<double>(9981545732273789042ULL >> 11) * 0x1.0p-53);
}

TEST(RandomStream, SaveAndRestoreContinueTheSameDraws) {
  RandomStream a(7);
  for (int i = 0; i < 5; ++i) a.uniform();
  RandomStream b(99);
  b.restore(a.save());
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(a.uniform(), b.uniform());
    EXPECT_EQ(a.uniformInt(-3, 1000), b.uniformInt(-3, 1000));
  }
  EXPECT_THROW(b.restore("not a state"), DataError);
}

TEST(RandomStream, UniformIntCoversItsRangeOnly) {
  RandomStream stream(1);
  std::set<int64_t> seen;
  for (int i = 0; i < 2000; ++i) {
    const int64_t v = stream.uniformInt(-2, 2);
    ASSERT_GE(v, -2);
    ASSERT_LE(v, 2);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(stream.uniformInt(4, 4), 4);
}

TEST(SearchSpace, ParsesEveryDomainInFileOrder) {
  const auto space = parseSpace(
      "{optim.muon_lr: {loguniform: [0.001, 0.1]}, optim.grokfast_lambda: {uniform: [0, 0.3]},"
      " train.batch_size: {choice: [16, 32]}, model.t_max: {int: [1, 3]}, 'data.sources[0].count': "
      "{qint: [1000, 4500, 1000]}}");
  ASSERT_EQ(space.size(), 5u);
  const auto& p = space.params();
  EXPECT_EQ(p[0].key, "optim.muon_lr");
  EXPECT_EQ(p[0].kind, ParamKind::loguniform);
  EXPECT_EQ(p[1].kind, ParamKind::uniform);
  EXPECT_EQ(p[2].options, (std::vector<std::string>{"16", "32"}));
  EXPECT_EQ(p[3].kind, ParamKind::integer);
  EXPECT_EQ(p[4].key, "data.sources[0].count");
  EXPECT_EQ(p[4].step, 1000);
  EXPECT_EQ(p[4].qintTop(), 4000);
  EXPECT_FALSE(space.discrete());
}

TEST(SearchSpace, SamplesDrawOncePerParameterInOrder) {
  const auto space = parseSpace(
      "{a: {loguniform: [0.001, 0.1]}, b: {uniform: [2, 4]}, c: {choice: [x, y, z]}, d: {int: [1, "
      "3]},"
      " e: {qint: [0, 100, 25]}}");
  RandomStream stream(11);
  RandomStream ref(11);
  const Point point = space.sample(stream);
  ASSERT_EQ(point.size(), 5u);
  EXPECT_DOUBLE_EQ(point[0],
                   std::exp(std::log(0.001) + (std::log(0.1) - std::log(0.001)) * ref.uniform()));
  EXPECT_EQ(point[1], 2 + 2 * ref.uniform());
  EXPECT_EQ(point[2], static_cast<double>(ref.index(3)));
  EXPECT_EQ(point[3], static_cast<double>(ref.uniformInt(1, 3)));
  EXPECT_EQ(point[4], 25.0 * static_cast<double>(ref.uniformInt(0, 4)));
  for (int i = 0; i < 500; ++i) EXPECT_NO_THROW(space.checkPoint(space.sample(stream)));
}

TEST(SearchSpace, GridIsTheFullProductFirstParameterSlowest) {
  const auto space = parseSpace("{a: {choice: [x, y]}, b: {int: [1, 3]}, c: {qint: [0, 12, 5]}}");
  ASSERT_TRUE(space.discrete());
  EXPECT_EQ(space.gridSize(), 18u);
  const auto grid = space.grid();
  ASSERT_EQ(grid.size(), 18u);
  EXPECT_EQ(grid[0], (Point{0, 1, 0}));
  EXPECT_EQ(grid[1], (Point{0, 1, 5}));
  EXPECT_EQ(grid[2], (Point{0, 1, 10}));
  EXPECT_EQ(grid[3], (Point{0, 2, 0}));
  EXPECT_EQ(grid[17], (Point{1, 3, 10}));
  std::set<Point> distinct(grid.begin(), grid.end());
  EXPECT_EQ(distinct.size(), 18u);
}

TEST(SearchSpace, OverridesAreSetLines) {
  const auto space = parseSpace(
      "{optim.muon_lr: {loguniform: [0.001, 0.1]}, train.batch_size: {choice: [16, '32']},"
      " model.t_max: {int: [1, 3]}}");
  EXPECT_EQ(
      space.overrides({0.0123, 1, 2}),
      (std::vector<std::string>{"optim.muon_lr=0.0123", "train.batch_size=32", "model.t_max=2"}));
  // The shortest text that reads back exactly.
  EXPECT_EQ(formatNumber(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(formatNumber(1e-5), "1e-05");
  EXPECT_THROW(space.overrides({0.5, 1, 2}), InvariantError);  // lr above its bound
  EXPECT_THROW(space.overrides({0.01, 1}), InvariantError);    // a value missing
}

TEST(SearchSpace, ClampKeepsValuesInTheirDomain) {
  const auto space = parseSpace(
      "{a: {uniform: [0, 1]}, b: {int: [1, 5]}, c: {qint: [10, 50, 15]}, d: {choice: [p, q]}}");
  const auto& p = space.params();
  EXPECT_EQ(p[0].clamp(1.2), 1.0);
  EXPECT_EQ(p[1].clamp(2.6), 3.0);
  EXPECT_EQ(p[1].clamp(7.0), 5.0);
  EXPECT_EQ(p[2].clamp(31.0), 25.0);  // grid 10, 25, 40
  EXPECT_EQ(p[2].clamp(60.0), 40.0);
  EXPECT_EQ(p[3].clamp(-1.0), 0.0);
  EXPECT_EQ(p[3].clamp(2.0), 1.0);
}

TEST(SearchSpace, ErrorsNameFileKeyAndValue) {
  EXPECT_NE(spaceError("{optim.muon_lr: {loguniform: [0, 0.1]}}")
                .find("space.optim.muon_lr.loguniform = [0, 0.1]: needs 0 < low"),
            std::string::npos)
      << spaceError("{optim.muon_lr: {loguniform: [0, 0.1]}}");
  EXPECT_NE(spaceError("{x: {uniform: [2, 1]}}")
                .find("sweep.yaml:1: space.x.uniform = [2, 1]: needs low < high"),
            std::string::npos)
      << spaceError("{x: {uniform: [2, 1]}}");
  EXPECT_NE(spaceError("{x: {gaussian: [0, 1]}}").find("space.x.gaussian = "), std::string::npos)
      << spaceError("{x: {gaussian: [0, 1]}}");
  EXPECT_NE(spaceError("{x: 0.01}").find("space.x = 0.01: expected one of"), std::string::npos)
      << spaceError("{x: 0.01}");
  EXPECT_NE(
      spaceError("{x: {int: [1, 2.5]}}").find("space.x.int = [1, 2.5]: expected whole numbers"),
      std::string::npos)
      << spaceError("{x: {int: [1, 2.5]}}");
  EXPECT_NE(
      spaceError("{x: {qint: [0, 10]}}").find("space.x.qint = [0, 10]: expected [low, high, q]"),
      std::string::npos)
      << spaceError("{x: {qint: [0, 10]}}");
  EXPECT_NE(
      spaceError("{x: {choice: [a, a]}}").find("space.x.choice = [a, a]: 'a' is listed twice"),
      std::string::npos)
      << spaceError("{x: {choice: [a, a]}}");
  EXPECT_NE(spaceError("{'optim..lr': {uniform: [0, 1]}}").find("space.optim..lr = "),
            std::string::npos)
      << spaceError("{'optim..lr': {uniform: [0, 1]}}");
  EXPECT_NE(spaceError("{x: {uniform: [0, abc]}}")
                .find("space.x.uniform = [0, abc]: expected a list of numbers"),
            std::string::npos)
      << spaceError("{x: {uniform: [0, abc]}}");
}

TEST(SearchSpace, KeyPathsAreTheOnesSetAccepts) {
  EXPECT_TRUE(isConfigKeyPath("optim.muon_lr"));
  EXPECT_TRUE(isConfigKeyPath("data.sources[0].count"));
  EXPECT_FALSE(isConfigKeyPath("optim..muon_lr"));
  EXPECT_FALSE(isConfigKeyPath("optim.muon lr"));
  EXPECT_FALSE(isConfigKeyPath("sources[x]"));
  EXPECT_FALSE(isConfigKeyPath(""));
}

}  // namespace
}  // namespace cog::coord::sweep
