// saveState/restoreState: a searcher restored from JSON text in the middle of a search makes
// exactly the decisions the uninterrupted one makes (same trials, rungs, random stream).
#include <gtest/gtest.h>

#include <functional>

#include "common/error.hpp"
#include "coordinator/sweep/asha_searcher.hpp"
#include "coordinator/sweep/pbt_searcher.hpp"
#include "coordinator/sweep/random_searcher.hpp"
#include "searcher_harness.hpp"

namespace cog::coord::sweep {
namespace {

using namespace testing;

// One event of a scripted search: free slots, a report, a checkpoint or a job end.
struct Step {
  enum Kind { suggest, report, checkpoint, ended } kind;
  TrialId trial = 0;
  int64_t resource = 0;
  double metric = 0;  // report: the metric; suggest: the free slots; checkpoint: healthy (1/0)
};

std::string run(Searcher& s, const std::vector<Step>& steps, size_t begin, size_t end) {
  std::string out;
  for (size_t i = begin; i < end; ++i) {
    const Step& step = steps[i];
    switch (step.kind) {
      case Step::suggest:
        for (const auto& d : s.suggest(static_cast<int>(step.metric))) out += describe(d) + "\n";
        break;
      case Step::report:
        out += describe(s.onReport(TrialReport{step.trial, step.resource, step.metric})) + "\n";
        break;
      case Step::checkpoint:
        s.onCheckpoint(step.trial, step.resource, step.metric != 0);
        break;
      case Step::ended:
        s.onEnded(step.trial, TrialEnd::completed);
        break;
    }
  }
  return out;
}

// Runs the script whole on one searcher, and cut at every step on two others: the second is
// restored from the first's state (through JSON text) at the cut; the outputs after the cut
// must be equal.
void expectResumesIdentically(const std::function<std::unique_ptr<Searcher>()>& make,
                              const std::vector<Step>& steps) {
  auto whole = make();
  std::vector<std::string> per_step;
  for (size_t i = 0; i < steps.size(); ++i) per_step.push_back(run(*whole, steps, i, i + 1));
  for (size_t cut = 0; cut <= steps.size(); ++cut) {
    auto before = make();
    run(*before, steps, 0, cut);
    auto after = make();
    after->restoreState(nlohmann::json::parse(before->saveState().dump()));
    EXPECT_EQ(after->saveState(), before->saveState()) << "cut " << cut;
    std::string expected;
    for (size_t i = cut; i < steps.size(); ++i) expected += per_step[i];
    EXPECT_EQ(run(*after, steps, cut, steps.size()), expected) << "cut " << cut;
  }
}

TEST(SearcherState, AshaPromoteResumesIdentically) {
  const std::vector<Step> steps = {
      {Step::suggest, 0, 0, 2},   {Step::report, 0, 1, 0.50}, {Step::suggest, 0, 0, 1},
      {Step::report, 1, 1, 0.60}, {Step::suggest, 0, 0, 1},   {Step::report, 2, 1, 0.40},
      {Step::report, 0, 2, 0.45}, {Step::suggest, 0, 0, 1},   {Step::report, 3, 1, 0.30},
      {Step::report, 2, 2, 0.35}, {Step::report, 3, 2, 0.50}, {Step::suggest, 0, 0, 1},
      {Step::report, 4, 1, 0.45}, {Step::suggest, 0, 0, 1},   {Step::report, 5, 1, 0.45},
      {Step::suggest, 0, 0, 2},   {Step::report, 2, 4, 0.20}, {Step::report, 4, 2, 0.30},
      {Step::report, 4, 4, 0.25}, {Step::suggest, 0, 0, 1},   {Step::report, 2, 8, 0.15},
      {Step::ended, 2, 0, 0},     {Step::suggest, 0, 0, 2},
  };
  AshaConfig config;
  config.grace = 1;
  config.eta = 2;
  config.mode = AshaMode::promote;
  expectResumesIdentically(
      [&] {
        return std::make_unique<AshaSearcher>(lrSpace(), minimise(), budget(6, 8), config, 9);
      },
      steps);
}

TEST(SearcherState, PbtResumesIdenticallyIncludingTheRandomStream) {
  std::vector<Step> steps = {{Step::suggest, 0, 0, 4}};
  // Four trials over 8 epochs; trial t's loss at epoch e is 1/(e+1) + 0.1 * ((t * 3 + e) % 4),
  // so the order changes and exploits happen; every checkpoint healthy but trial 1's at 4.
  for (int64_t e = 1; e <= 8; ++e) {
    for (TrialId t = 0; t < 4; ++t) {
      steps.push_back({Step::checkpoint, t, e, (t == 1 && e == 4) ? 0.0 : 1.0});
      steps.push_back(
          {Step::report, t, e,
           1.0 / static_cast<double>(e + 1) + 0.1 * static_cast<double>((t * 3 + e) % 4)});
    }
  }
  PbtConfig config;
  config.perturbation_interval = 2;
  config.resample_probability = 0.25;
  auto make = [&] {
    return std::make_unique<PbtSearcher>(lrSpace(), minimise(), budget(4, 10), config, 17);
  };
  // The script does exploit, so the stream is exercised after the cuts.
  auto probe = make();
  const std::string out = run(*probe, steps, 0, steps.size());
  EXPECT_NE(out.find("exploit"), std::string::npos) << out;
  expectResumesIdentically(make, steps);
}

TEST(SearcherState, RandomResumesTheSameStream) {
  const std::vector<Step> steps = {{Step::suggest, 0, 0, 2},
                                   {Step::report, 0, 1, 0.5},
                                   {Step::ended, 0, 0, 0},
                                   {Step::suggest, 0, 0, 1},
                                   {Step::suggest, 0, 0, 3}};
  expectResumesIdentically(
      [] { return std::make_unique<RandomSearcher>(lrSpace(), minimise(), budget(6, 4), 123); },
      steps);
}

TEST(SearcherState, RestoreRefusesAnotherSearchersState) {
  AshaConfig asha_config;
  asha_config.eta = 2;
  AshaSearcher asha(lrSpace(), minimise(), budget(4, 8), asha_config, 1);
  asha.suggest(2);
  report(asha, 0, 1, 0.3);
  const auto state = asha.saveState();

  PbtSearcher pbt(lrSpace(), minimise(), budget(4, 8), PbtConfig{}, 1);
  EXPECT_THROW(pbt.restoreState(state), DataError);

  // Other rungs: eta 4 over 8 epochs has rungs 1 and 4, not 1, 2 and 4.
  AshaConfig eta4 = asha_config;
  eta4.eta = 4;
  AshaSearcher other(lrSpace(), minimise(), budget(4, 8), eta4, 1);
  try {
    other.restoreState(state);
    ADD_FAILURE() << "restored";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("3 ASHA rungs saved, the sweep file gives 2"),
              std::string::npos)
        << e.what();
  }

  // A point outside the space (the file's bounds changed).
  auto bad = state;
  bad["trials"][0]["point"] = {0.5};
  AshaSearcher same(lrSpace(), minimise(), budget(4, 8), asha_config, 1);
  EXPECT_THROW(same.restoreState(bad), DataError);
  auto version = state;
  version["version"] = 99;
  EXPECT_THROW(same.restoreState(version), DataError);
  auto broken = state;
  broken.erase("stream");
  EXPECT_THROW(same.restoreState(broken), DataError);
  // None of these changed it.
  EXPECT_EQ(same.trials().size(), 0u);
}

}  // namespace
}  // namespace cog::coord::sweep
