// Grid enumerates the whole product; random is reproducible from its seed. Both train every
// trial to the end and stop only non-finite ones.
#include <gtest/gtest.h>

#include <set>

#include "common/error.hpp"
#include "coordinator/sweep/grid_searcher.hpp"
#include "coordinator/sweep/random_searcher.hpp"
#include "searcher_harness.hpp"

namespace cog::coord::sweep {
namespace {

using namespace testing;

SearchSpace discreteSpace() {
  Param batch;
  batch.key = "train.batch_size";
  batch.kind = ParamKind::choice;
  batch.options = {"16", "32"};
  Param t_max;
  t_max.key = "model.t_max";
  t_max.kind = ParamKind::integer;
  t_max.low = 1;
  t_max.high = 3;
  Param count;
  count.key = "data.sources[0].count";
  count.kind = ParamKind::qinteger;
  count.low = 1000;
  count.high = 3000;
  count.step = 1000;
  return SearchSpace({batch, t_max, count});
}

TEST(GridSearcher, StartsEveryPointOfTheProductOnce) {
  GridSearcher grid(discreteSpace(), minimise(), budget(0, 4));
  std::vector<Decision> all;
  for (int round = 0; round < 10; ++round) {
    for (auto& d : grid.suggest(4)) all.push_back(d);
  }
  ASSERT_EQ(all.size(), 18u);
  std::set<std::vector<std::string>> seen;
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_DECISION(all[i], start, static_cast<TrialId>(i));
    EXPECT_EQ(all[i].until_resource, 4);
    seen.insert(discreteSpace().overrides(all[i].point));
  }
  EXPECT_EQ(seen.size(), 18u);
  EXPECT_EQ(discreteSpace().overrides(all[0].point),
            (std::vector<std::string>{"train.batch_size=16", "model.t_max=1",
                                      "data.sources[0].count=1000"}));
  EXPECT_EQ(discreteSpace().overrides(all[17].point),
            (std::vector<std::string>{"train.batch_size=32", "model.t_max=3",
                                      "data.sources[0].count=3000"}));
  EXPECT_TRUE(grid.suggest(1).empty());
}

TEST(GridSearcher, ProceedsUntilTheEndAndStopsNonFinite) {
  GridSearcher grid(discreteSpace(), minimise(), budget(0, 4));
  grid.suggest(2);
  EXPECT_DECISION(report(grid, 0, 1, 2.0), proceed, 0);
  EXPECT_DECISION(report(grid, 0, 2, 9.0), proceed, 0);  // worse, still goes on
  EXPECT_DECISION(report(grid, 1, 1, kNaN), stop, 1);
  EXPECT_EQ(grid.trials().at(1).status, TrialStatus::non_finite);
  grid.onEnded(0, TrialEnd::completed);
  EXPECT_EQ(grid.trials().at(0).status, TrialStatus::completed);
  EXPECT_EQ(*grid.trials().at(0).metric, 9.0);
}

TEST(GridSearcher, RefusesAContinuousSpace) {
  EXPECT_THROW(GridSearcher(lrSpace(), minimise(), budget(0, 4)), ConfigError);
}

TEST(RandomSearcher, IsReproducibleFromItsSeed) {
  RandomSearcher a(lrSpace(), minimise(), budget(20, 4), 42);
  RandomSearcher b(lrSpace(), minimise(), budget(20, 4), 42);
  RandomSearcher c(lrSpace(), minimise(), budget(20, 4), 43);
  // Asked in different slot batches, the n-th trial is the same.
  std::vector<Point> pa, pb, pc;
  for (auto& d : a.suggest(20)) pa.push_back(d.point);
  for (int i = 0; i < 20; ++i) {
    for (auto& d : b.suggest(1)) pb.push_back(d.point);
  }
  for (auto& d : c.suggest(20)) pc.push_back(d.point);
  ASSERT_EQ(pa.size(), 20u);
  EXPECT_EQ(pa, pb);
  EXPECT_NE(pa, pc);
  // The n-th trial is the space's n-th sample from the seeded stream.
  RandomStream ref(42);
  for (const auto& p : pa) EXPECT_EQ(p, lrSpace().sample(ref));
  EXPECT_TRUE(a.suggest(1).empty());  // max_trials reached
}

TEST(RandomSearcher, FailedTrialsAreRecorded) {
  RandomSearcher r(lrSpace(), minimise(), budget(2, 4), 1);
  r.suggest(2);
  r.onEnded(0, TrialEnd::failed);
  EXPECT_EQ(r.trials().at(0).status, TrialStatus::failed);
  EXPECT_DECISION(report(r, 0, 2, 0.5), stop, 0);      // a late report from a failed trial
  EXPECT_THROW(report(r, 5, 1, 0.5), InvariantError);  // a trial never started
}

}  // namespace
}  // namespace cog::coord::sweep
