#pragma once
// The search space of a sweep: which config keys (any key `cogworker --set` accepts) a trial
// varies, and over what. In a sweep file:
//
//   space:
//     optim.muon_lr: {loguniform: [0.005, 0.05]}   # log-uniform in [low, high]
//     optim.grokfast_lambda: {uniform: [0.0, 0.3]} # uniform in [low, high]
//     train.batch_size: {choice: [16, 32, 64]}     # one of the YAML scalars, as written
//     model.t_max: {int: [1, 3]}                   # a whole number in [low, high]
//     model.d_mem: {qint: [64, 256, 32]}           # low, low+q, ... up to high
//
// A point of the space (a trial's hyperparameters) is one number per parameter in the file's
// order; a choice holds the index of its option, so points are plain numbers for every
// searcher (PBT multiplies them, JSON stores them exactly) and become `key=value` text only
// when a trial is launched (overrides()).
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/yaml_fields.hpp"
#include "coordinator/sweep/random_stream.hpp"

namespace cog::coord::sweep {

enum class ParamKind { choice, uniform, loguniform, integer, qinteger };
const char* toString(ParamKind kind);  // the sweep file's word: choice, uniform, ..., int, qint

struct Param {
  std::string key;  // config key path, e.g. optim.muon_lr or data.sources[0].count
  ParamKind kind = ParamKind::uniform;
  std::vector<std::string> options;  // choice: the YAML scalars as written
  double low = 0;                    // uniform/loguniform/int/qint: inclusive bounds
  double high = 0;
  int64_t step = 1;  // qint: the spacing q

  // The largest value a qint can take (low + k*q <= high).
  double qintTop() const;
  // Brings a number into the domain: clipped to the bounds, whole (int), on the q grid
  // (qint), a valid index (choice).
  double clamp(double value) const;
};

using Point = std::vector<double>;

class SearchSpace {
 public:
  SearchSpace() = default;
  explicit SearchSpace(std::vector<Param> params);

  const std::vector<Param>& params() const { return params_; }
  size_t size() const { return params_.size(); }

  // One draw per parameter in order (choice/int/qint: uniformInt; uniform/loguniform: uniform).
  Point sample(RandomStream& stream) const;
  double sampleParam(size_t i, RandomStream& stream) const;

  // Whether every parameter takes finitely many values (choice, int, qint): grid needs that.
  bool discrete() const;
  // Every point of a discrete space, the first parameter varying slowest (like
  // itertools.product); the count is gridSize().
  std::vector<Point> grid() const;
  uint64_t gridSize() const;  // saturates at UINT64_MAX

  // `key=value` for each parameter, ready for --set: choices as written, whole numbers
  // without a decimal point, other numbers in the shortest text that reads back exactly.
  std::vector<std::string> overrides(const Point& point) const;
  std::string valueText(size_t i, double value) const;

  // Throws InvariantError unless `point` has one in-domain value per parameter (restored
  // state, a searcher's own output).
  void checkPoint(const Point& point) const;

 private:
  std::vector<Param> params_;
};

// Reads the `space:` mapping: `space` is its section (for error messages naming file, key
// path and value), `node` the same mapping as YAML (YamlFields reads known keys only, and
// here the keys are the user's).
SearchSpace parseSearchSpace(YamlFields space, const YAML::Node& node);

// The shortest decimal text that reads back as exactly `value` (1e-05, 0.0123, 3).
std::string formatNumber(double value);

// Whether `key` is a config key path --set accepts: name(.name)* with optional [index].
bool isConfigKeyPath(const std::string& key);

}  // namespace cog::coord::sweep
