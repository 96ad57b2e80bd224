#include "coordinator/policy/checkpoint_retention.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "coordinator/policy/rollback.hpp"

namespace cog::coord {

bool isNamedCheckpoint(const std::string& name) { return name == "best" || name == "final"; }

std::vector<CheckpointRow> surplusCheckpoints(const std::vector<CheckpointRow>& checkpoints,
                                              const std::vector<ValidationRow>& validations,
                                              const CheckpointKeep& keep, const DivergenceConfig& divergence,
                                              int64_t earliest_divergence_step,
                                              const std::vector<std::string>& in_use) {
  std::set<std::string> kept(in_use.begin(), in_use.end());
  std::vector<const CheckpointRow*> periodic;
  for (const auto& c : checkpoints) {
    if (isNamedCheckpoint(c.name)) {
      kept.insert(c.path);
    } else {
      periodic.push_back(&c);
    }
  }
  // Newest first (a later attempt's checkpoint at the same step is the newer one).
  std::sort(periodic.begin(), periodic.end(), [](const CheckpointRow* a, const CheckpointRow* b) {
    return a->step != b->step ? a->step > b->step : a->attempt > b->attempt;
  });
  for (size_t i = 0; i < periodic.size() && i < static_cast<size_t>(std::max(keep.latest, 1)); ++i) {
    kept.insert(periodic[i]->path);
  }
  for (const CheckpointRow* c : periodic) {
    if (c->healthy) {
      kept.insert(c->path);  // the newest healthy: a crash restart resumes from it
      break;
    }
  }
  std::vector<const CheckpointRow*> by_loss;
  for (const CheckpointRow* c : periodic) {
    if (c->healthy && std::isfinite(c->val_loss)) by_loss.push_back(c);
  }
  std::stable_sort(by_loss.begin(), by_loss.end(),
                   [](const CheckpointRow* a, const CheckpointRow* b) { return a->val_loss < b->val_loss; });
  for (size_t i = 0; i < by_loss.size() && i < static_cast<size_t>(std::max(keep.best, 0)); ++i) {
    kept.insert(by_loss[i]->path);
  }
  // The rollback choice depends only on which checkpoints precede the divergence step, so
  // the earliest possible step and one threshold per later checkpoint cover every step a
  // divergence could still be detected at.
  std::set<int64_t> thresholds = {earliest_divergence_step};
  for (const auto& c : checkpoints) {
    if (c.step >= earliest_divergence_step) thresholds.insert(c.step + 1);
  }
  for (const int64_t diverged_at : thresholds) {
    if (const auto target = chooseRollbackCheckpoint(checkpoints, validations, diverged_at, divergence)) {
      kept.insert(target->path);
    }
  }
  std::vector<CheckpointRow> surplus;
  for (const CheckpointRow* c : periodic) {
    if (!kept.count(c->path)) surplus.push_back(*c);
  }
  return surplus;
}

}  // namespace cog::coord
