// sweep_replay: random search against ASHA-promote, replayed over recorded learning curves
// through the coordinator's own sweep driver and searchers, for the expected compute to the
// first trial at exact match >= a threshold. A live sweep (bench/sweep_arithmetic) is one draw
// of the random stream: whether random search's first draw happens to be good decides it.
// Here the pool of recorded trials (bench/sweep_curves) is shuffled K times; ordering k
// hands both searchers the same trials in the same order (as one seed does live), each
// searcher's n-th trial being the pool's perm_k[n], and both run on one slot, so compute
// (epochs trained, all trials) is also wall time.
//
//   build/bin/sweep_replay CURVES.jsonl [--trials R] [--grace 1] [--eta 3] [--orderings K]
//                          [--seed S] [--threshold 0.9] [--metric val_loss|exact_match]
//                          [--mode promote|stop]
//                          [--base bench/learn_arithmetic.yaml]
//
// Budgets as in bench/sweep_arithmetic: random search R trials of E epochs (E: the pool's
// longest curve), ASHA-promote 2R trials, grace and eta as given, up to E epochs. A trial's
// curve is the same run straight through or paused and resumed from its rung checkpoint
// (resume is exact), so one recorded run serves both. An epoch a curve lacks (its run died)
// reports a NaN val_loss, which the searchers stop as non-finite. Not replayed: the
// coordinator's health policies (a live sweep may fail a trial early on them).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "coordinator/sweep/simulated_cluster.hpp"
#include "coordinator/sweep/sweep_config.hpp"
#include "coordinator/sweep/sweep_driver.hpp"

namespace {

using cog::coord::sweep::SimulatedCluster;
using cog::coord::sweep::SweepDriver;

struct Validation {
  double val_loss = 0;
  double exact_match = 0;
};
struct RecordedTrial {
  std::string point;               // "muon 0.02 fallback 0.003"
  std::vector<Validation> epochs;  // [e]: after e + 1 epochs
};

std::vector<RecordedTrial> loadCurves(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw cog::DataError(path + ": cannot open (write it with bench/sweep_curves)");
  std::vector<RecordedTrial> pool;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    try {
      const auto j = nlohmann::json::parse(line);
      RecordedTrial t;
      char point[96];
      std::snprintf(point, sizeof point, "muon %.3g fallback %.3g", j.at("muon_lr").get<double>(),
                    j.at("fallback_lr").get<double>());
      t.point = point;
      for (const auto& v : j.at("validations")) {
        t.epochs.push_back({v.at("val_loss").get<double>(), v.at("exact_match").get<double>()});
      }
      pool.push_back(std::move(t));
    } catch (const nlohmann::json::exception& e) {
      throw cog::DataError(path + ":" + std::to_string(n) + ": " + e.what());
    }
  }
  if (pool.empty()) throw cog::DataError(path + ": no trials");
  return pool;
}

std::string sweepYaml(const std::string& name, const std::string& base, int trials, size_t epochs,
                      const std::string& searcher, const std::string& metric) {
  const std::string budget =
      "{max_trials: " + std::to_string(trials) +
      ", max_concurrent: 1, unit: epochs, max_per_trial: " + std::to_string(epochs) + "}";
  // The space is never drawn from here (each trial's curve comes from the pool), but a sweep
  // file needs one.
  return "name: " + name + "\nslots: 1\nbase: {config: " + base + "}\n" +
         "space:\n  optim.muon_lr: {loguniform: [0.0001, 1.0]}\n" + "seed: 1\nmetric: " + metric +
         "\nbudget: " + budget + "\nsearcher: " + searcher + "\n";
}

// One sweep over one ordering of the pool.
struct Outcome {
  std::optional<int64_t> first_epochs;  // compute when a trial first validated >= threshold
  int64_t epochs = 0;                   // compute in all
  double best_exact_match = 0;
};

Outcome replay(const cog::coord::sweep::SweepConfig& config, const std::vector<RecordedTrial>& pool,
               const std::vector<size_t>& order, double threshold) {
  std::map<std::string, size_t> trial_of_job;  // job -> pool index, in the order jobs appear
  Outcome out;
  auto curve = [&](const std::string& job, const std::vector<std::string>&, int64_t epochs) {
    auto it = trial_of_job.find(job);
    if (it == trial_of_job.end())
      it = trial_of_job.emplace(job, order.at(trial_of_job.size())).first;
    const auto& t = pool[it->second];
    if (static_cast<size_t>(epochs) > t.epochs.size()) {
      return cog::coord::Scalars{{"val_loss", std::numeric_limits<double>::quiet_NaN()},
                                 {"exact_match", 0.0}};
    }
    const auto& v = t.epochs[epochs - 1];
    return cog::coord::Scalars{{"val_loss", v.val_loss}, {"exact_match", v.exact_match}};
  };
  auto watch = [&](const std::string&, int64_t, const cog::coord::Scalars& s, int64_t trained) {
    const double em = cog::coord::scalarOr(s, "exact_match", 0.0);
    out.best_exact_match = std::max(out.best_exact_match, em);
    if (em >= threshold && !out.first_epochs) out.first_epochs = trained;
  };
  SweepDriver driver(config);
  SimulatedCluster cluster(1, curve, watch);
  if (!cluster.run(driver, 100000)) throw cog::DataError("a replayed sweep did not finish");
  out.epochs = cluster.epochsTrained();
  return out;
}

// The epochs a trial needs to validate at >= threshold; 0 when it never does.
int epochsToReach(const RecordedTrial& t, double threshold) {
  for (size_t e = 0; e < t.epochs.size(); ++e) {
    if (t.epochs[e].exact_match >= threshold) return static_cast<int>(e + 1);
  }
  return 0;
}

double mean(const std::vector<double>& v) {
  return v.empty() ? NAN : std::accumulate(v.begin(), v.end(), 0.0) / v.size();
}
double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// One searcher's outcomes over the orderings.
struct Tally {
  std::vector<double> first;          // compute to the first, orderings that reach it
  std::vector<double> first_or_miss;  // ... a miss counted as infinite: a median that keeps them
  // ... a miss counted as the whole sweep's compute: less than a searcher that missed would
  // really need, so it flatters whichever misses more
  std::vector<double> first_or_all;
  std::vector<double> best;  // best exact match
  std::vector<double> all;   // compute in all

  void add(const Outcome& o) {
    if (o.first_epochs) first.push_back(*o.first_epochs);
    first_or_miss.push_back(o.first_epochs ? *o.first_epochs : INFINITY);
    first_or_all.push_back(o.first_epochs ? *o.first_epochs : o.epochs);
    best.push_back(o.best_exact_match);
    all.push_back(o.epochs);
  }
  double reachedShare() const { return static_cast<double>(first.size()) / all.size(); }
};

// Lists the pool; returns each trial's epochs to the threshold (0: never).
std::vector<int> printPool(const std::vector<RecordedTrial>& pool, double threshold) {
  std::vector<int> to_threshold(pool.size());
  for (size_t i = 0; i < pool.size(); ++i) {
    const auto& t = pool[i];
    to_threshold[i] = epochsToReach(t, threshold);
    double best = 0;
    for (const auto& v : t.epochs) best = std::max(best, v.exact_match);
    std::printf("   %-34s epochs %zu  best exact match %.3f", t.point.c_str(), t.epochs.size(),
                best);
    if (to_threshold[i]) std::printf("  reaches %.2f at epoch %d", threshold, to_threshold[i]);
    std::printf("\n");
  }
  return to_threshold;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "sweep_replay: random search vs ASHA-promote replayed over recorded curves "
      "(bench/sweep_curves), expected compute to the first trial at exact match >= threshold"};
  std::string curves_path, base = "bench/learn_arithmetic.yaml";
  int trials = 4, eta = 3, grace = 1, orderings = 2000;
  uint64_t seed = 1;
  double threshold = 0.9;
  app.add_option("curves", curves_path, "curves.jsonl written by bench/sweep_curves")->required();
  app.add_option("--trials", trials, "random search's trials R (ASHA gets 2R)")
      ->check(CLI::PositiveNumber);
  app.add_option("--grace", grace, "ASHA: epochs before the first rung")
      ->check(CLI::PositiveNumber);
  app.add_option("--eta", eta, "ASHA: reduction factor")->check(CLI::Range(2, 64));
  app.add_option("--orderings", orderings, "shuffles of the pool replayed")
      ->check(CLI::PositiveNumber);
  app.add_option("--seed", seed, "seed of the shuffles");
  app.add_option("--threshold", threshold, "exact match a trial must reach");
  std::string metric = "val_loss", mode = "promote";
  app.add_option("--mode", mode,
                 "ASHA's mode: promote (pause at rungs, resume from the checkpoint) or stop")
      ->check(CLI::IsMember({"promote", "stop"}));
  app.add_option("--metric", metric,
                 "what the searchers rank by: val_loss (min, as bench/sweep_arithmetic) or "
                 "exact_match (max)")
      ->check(CLI::IsMember({"val_loss", "exact_match"}));
  app.add_option("--base", base,
                 "the trials' worker config (the sweep files name it; never trained here)");
  CLI11_PARSE(app, argc, argv);

  try {
    const auto pool = loadCurves(curves_path);
    size_t epochs = 0;
    for (const auto& t : pool) epochs = std::max(epochs, t.epochs.size());
    if (pool.size() < static_cast<size_t>(2 * trials)) {
      throw cog::DataError(curves_path + ": " + std::to_string(pool.size()) +
                           " trials, ASHA needs " + std::to_string(2 * trials) + " (--trials " +
                           std::to_string(trials) +
                           "): record more with bench/sweep_curves --trials");
    }
    const std::string asha_searcher = "{kind: asha, grace: " + std::to_string(grace) +
                                      ", eta: " + std::to_string(eta) + ", mode: " + mode + "}";
    const std::string asha_name = "ASHA-" + mode;
    const std::string goal =
        "{name: " + metric + ", mode: " + (metric == "val_loss" ? "min" : "max") + "}";
    const auto random_config = cog::coord::sweep::parseSweepConfig(
        sweepYaml("random", base, trials, epochs, "{kind: random}", goal), "replay random", ".");
    const auto asha_config = cog::coord::sweep::parseSweepConfig(
        sweepYaml("asha", base, 2 * trials, epochs, asha_searcher, goal), "replay asha", ".");

    std::printf("== sweep_replay: %zu recorded trials (%s), up to %zu epochs each\n", pool.size(),
                curves_path.c_str(), epochs);
    const std::vector<int> to_threshold = printPool(pool, threshold);
    const auto good =
        std::count_if(to_threshold.begin(), to_threshold.end(), [](int h) { return h > 0; });
    std::printf(
        "   %td of %zu reach exact match >= %.2f; random search %d trials x %zu epochs, %s %d "
        "trials %s; ranked by %s\n",
        good, pool.size(), threshold, trials, epochs, asha_name.c_str(), 2 * trials,
        asha_searcher.c_str(), goal.c_str());

    Tally r, a;
    // The oracle's floor: one that knew which of ASHA's 2R draws reaches the threshold first
    // and trained only it would spend that trial's epochs to it, and no searcher drawing those
    // trials spends less.
    std::vector<double> ratios, oracle;
    int under_half = 0, asha_only = 0, random_only = 0;
    std::vector<size_t> order(pool.size());
    for (int k = 0; k < orderings; ++k) {
      std::iota(order.begin(), order.end(), 0);
      std::mt19937_64 rng(seed * 1000003 + k);
      std::shuffle(order.begin(), order.end(), rng);
      const Outcome ro = replay(random_config, pool, order, threshold);
      const Outcome ao = replay(asha_config, pool, order, threshold);
      r.add(ro);
      a.add(ao);
      int fastest = 0;
      for (int n = 0; n < 2 * trials; ++n) {
        const int h = to_threshold[order[n]];
        if (h && (!fastest || h < fastest)) fastest = h;
      }
      if (fastest) oracle.push_back(fastest);
      if (ro.first_epochs && ao.first_epochs) {
        const double ratio = static_cast<double>(*ao.first_epochs) / *ro.first_epochs;
        ratios.push_back(ratio);
        under_half += ratio < 0.5 ? 1 : 0;
      } else if (ao.first_epochs) {
        ++asha_only;
      } else if (ro.first_epochs) {
        ++random_only;
      }
    }
    std::printf(
        "\n== over %d orderings of the pool (seed %llu), compute in epochs (all trials), one slot "
        "each\n",
        orderings, static_cast<unsigned long long>(seed));
    std::printf("%-46s %10s %13s %10s\n", "", "random", asha_name.c_str(), "ASHA/rand");
    std::printf("%-46s %10.3f %13.3f\n", "share of orderings reaching the threshold",
                r.reachedShare(), a.reachedShare());
    std::printf("%-46s %10.2f %13.2f %10.2f\n", "compute to the first, mean (where reached)",
                mean(r.first), mean(a.first), mean(a.first) / mean(r.first));
    std::printf("%-46s %10s %13.2f %10.2f\n", "  an oracle training only the fastest of 2R, mean",
                "", mean(oracle), mean(oracle) / mean(r.first));
    std::printf("%-46s %10.2f %13.2f %10.2f\n", "  a miss counted as the sweep's compute, mean",
                mean(r.first_or_all), mean(a.first_or_all),
                mean(a.first_or_all) / mean(r.first_or_all));
    std::printf("%-46s %10.2f %13.2f %10.2f\n", "compute to the first, median (misses included)",
                median(r.first_or_miss), median(a.first_or_miss),
                median(a.first_or_miss) / median(r.first_or_miss));
    std::printf("%-46s %10.2f %13.2f %10.2f\n", "compute in all, mean", mean(r.all), mean(a.all),
                mean(a.all) / mean(r.all));
    std::printf("%-46s %10.3f %13.3f\n", "best exact match, mean", mean(r.best), mean(a.best));
    std::printf(
        "orderings where both reach it: %d; ASHA/random compute there: median %.2f, mean %.2f, "
        "under 0.5 in %.0f%%; only ASHA reaches it: %d, only random: %d\n",
        static_cast<int>(ratios.size()), median(ratios), mean(ratios),
        ratios.empty() ? 0.0 : 100.0 * under_half / ratios.size(), asha_only, random_only);
    const double share = mean(a.first) / mean(r.first);
    std::printf(
        "verdict: %s's expected compute to the first trial >= %.2f is %.0f%% of random "
        "search's (%s); no searcher drawing these trials can go below %.0f%% (the oracle)\n",
        asha_name.c_str(), threshold, 100 * share,
        share < 0.5 ? "well under half" : "NOT under half", 100 * mean(oracle) / mean(r.first));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sweep_replay: %s\n", e.what());
    return 2;
  }
  return 0;
}
