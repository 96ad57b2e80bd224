#include "coordinator/sweep/search_space.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <regex>
#include <set>

#include "common/enforce.hpp"

namespace cog::coord::sweep {

const char* toString(ParamKind kind) {
  switch (kind) {
    case ParamKind::choice:
      return "choice";
    case ParamKind::uniform:
      return "uniform";
    case ParamKind::loguniform:
      return "loguniform";
    case ParamKind::integer:
      return "int";
    case ParamKind::qinteger:
      return "qint";
  }
  return "?";
}

double Param::qintTop() const {
  return low + std::floor((high - low) / static_cast<double>(step)) * static_cast<double>(step);
}

double Param::clamp(double value) const {
  switch (kind) {
    case ParamKind::choice:
      return std::clamp(std::round(value), 0.0, static_cast<double>(options.size()) - 1);
    case ParamKind::uniform:
    case ParamKind::loguniform:
      return std::clamp(value, low, high);
    case ParamKind::integer:
      return std::clamp(std::round(value), low, high);
    case ParamKind::qinteger: {
      const double q = static_cast<double>(step);
      return std::clamp(low + std::round((value - low) / q) * q, low, qintTop());
    }
  }
  return value;
}

SearchSpace::SearchSpace(std::vector<Param> params) : params_(std::move(params)) {}

double SearchSpace::sampleParam(size_t i, RandomStream& stream) const {
  const Param& p = params_.at(i);
  switch (p.kind) {
    case ParamKind::choice:
      return static_cast<double>(stream.index(p.options.size()));
    case ParamKind::uniform:
      return p.clamp(p.low + (p.high - p.low) * stream.uniform());
    case ParamKind::loguniform: {
      const double lo = std::log(p.low);
      const double hi = std::log(p.high);
      // exp(log(x)) may land one ulp outside the bounds.
      return p.clamp(std::exp(lo + (hi - lo) * stream.uniform()));
    }
    case ParamKind::integer:
      return static_cast<double>(
          stream.uniformInt(static_cast<int64_t>(p.low), static_cast<int64_t>(p.high)));
    case ParamKind::qinteger: {
      const auto steps = static_cast<int64_t>((p.qintTop() - p.low) / static_cast<double>(p.step));
      return p.low + static_cast<double>(stream.uniformInt(0, steps) * p.step);
    }
  }
  return 0;
}

Point SearchSpace::sample(RandomStream& stream) const {
  Point point;
  for (size_t i = 0; i < params_.size(); ++i) point.push_back(sampleParam(i, stream));
  return point;
}

bool SearchSpace::discrete() const {
  for (const auto& p : params_) {
    if (p.kind == ParamKind::uniform || p.kind == ParamKind::loguniform) return false;
  }
  return true;
}

namespace {

// The values a discrete parameter takes, in increasing order.
std::vector<double> discreteValues(const Param& p) {
  std::vector<double> values;
  switch (p.kind) {
    case ParamKind::choice:
      for (size_t i = 0; i < p.options.size(); ++i) values.push_back(static_cast<double>(i));
      break;
    case ParamKind::integer:
      for (double v = p.low; v <= p.high; v += 1) values.push_back(v);
      break;
    case ParamKind::qinteger:
      for (double v = p.low; v <= p.high; v += static_cast<double>(p.step)) values.push_back(v);
      break;
    default:
      throw InvariantError("search space: " + p.key + " is continuous and has no grid values");
  }
  return values;
}

uint64_t discreteCount(const Param& p) {
  switch (p.kind) {
    case ParamKind::choice:
      return p.options.size();
    case ParamKind::integer:
      return static_cast<uint64_t>(p.high - p.low) + 1;
    case ParamKind::qinteger:
      return static_cast<uint64_t>((p.qintTop() - p.low) / static_cast<double>(p.step)) + 1;
    default:
      return UINT64_MAX;
  }
}

}  // namespace

uint64_t SearchSpace::gridSize() const {
  uint64_t total = 1;
  for (const auto& p : params_) {
    const uint64_t n = discreteCount(p);
    if (n != 0 && total > UINT64_MAX / n) return UINT64_MAX;
    total *= n;
  }
  return total;
}

std::vector<Point> SearchSpace::grid() const {
  std::vector<Point> points{Point{}};
  for (const auto& p : params_) {
    std::vector<Point> next;
    for (const auto& prefix : points) {
      for (double v : discreteValues(p)) {
        Point point = prefix;
        point.push_back(v);
        next.push_back(std::move(point));
      }
    }
    points = std::move(next);
  }
  return points;
}

std::string formatNumber(double value) {
  char text[64];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(text, sizeof text, "%.*g", precision, value);
    if (std::strtod(text, nullptr) == value) break;
  }
  return text;
}

std::string SearchSpace::valueText(size_t i, double value) const {
  const Param& p = params_.at(i);
  switch (p.kind) {
    case ParamKind::choice:
      return p.options.at(static_cast<size_t>(value));
    case ParamKind::integer:
    case ParamKind::qinteger:
      return std::to_string(static_cast<int64_t>(value));
    default:
      return formatNumber(value);
  }
}

std::vector<std::string> SearchSpace::overrides(const Point& point) const {
  checkPoint(point);
  std::vector<std::string> out;
  for (size_t i = 0; i < params_.size(); ++i)
    out.push_back(params_[i].key + "=" + valueText(i, point[i]));
  return out;
}

void SearchSpace::checkPoint(const Point& point) const {
  COG_ENFORCE_EQ(point.size(), params_.size());
  for (size_t i = 0; i < point.size(); ++i) {
    if (!std::isfinite(point[i]) || params_[i].clamp(point[i]) != point[i]) {
      throw InvariantError("search space: " + params_[i].key + " = " + formatNumber(point[i]) +
                           " is outside its " + toString(params_[i].kind) + " domain");
    }
  }
}

bool isConfigKeyPath(const std::string& key) {
  static const std::regex pattern(
      R"([A-Za-z_][A-Za-z0-9_]*(\[[0-9]+\])?(\.[A-Za-z_][A-Za-z0-9_]*(\[[0-9]+\])?)*)");
  return std::regex_match(key, pattern);
}

namespace {

Param parseParam(YamlFields& space, const std::string& key, const YAML::Node& node) {
  const std::string shape =
      ": expected one of {choice: [a, b]}, {uniform: [low, high]}, "
      "{loguniform: [low, high]}, {int: [low, high]}, {qint: [low, high, q]}";
  if (!isConfigKeyPath(key))
    space.fail(key,
               space.rawValue(key) + ": '" + key + "' is not a config key path like optim.muon_lr");
  if (!node.IsMap() || node.size() != 1) space.fail(key, space.rawValue(key) + shape);

  Param p;
  p.key = key;
  YamlFields f = space.section(key);
  const std::string kind = node.begin()->first.Scalar();
  std::vector<double> bounds;
  if (kind == "choice") {
    p.kind = ParamKind::choice;
    f.required("choice", p.options);
    if (p.options.empty()) f.fail("choice", "[]: list at least one option");
    std::set<std::string> seen;
    for (const auto& o : p.options) {
      if (!seen.insert(o).second)
        f.fail("choice", f.rawValue("choice") + ": '" + o + "' is listed twice");
    }
  } else if (kind == "uniform" || kind == "loguniform" || kind == "int" || kind == "qint") {
    p.kind = kind == "uniform"      ? ParamKind::uniform
             : kind == "loguniform" ? ParamKind::loguniform
             : kind == "int"        ? ParamKind::integer
                                    : ParamKind::qinteger;
    f.required(kind, bounds);
    const size_t want = kind == "qint" ? 3 : 2;
    if (bounds.size() != want) {
      f.fail(kind, f.rawValue(kind) +
                       (want == 3 ? ": expected [low, high, q]" : ": expected [low, high]"));
    }
    for (double b : bounds) {
      if (!std::isfinite(b)) f.fail(kind, f.rawValue(kind) + ": bounds must be finite numbers");
    }
    p.low = bounds[0];
    p.high = bounds[1];
    if (!(p.low < p.high)) f.fail(kind, f.rawValue(kind) + ": needs low < high");
    if (kind == "loguniform" && !(p.low > 0))
      f.fail(kind, f.rawValue(kind) + ": needs 0 < low (it is uniform in log space)");
    if (kind == "int" || kind == "qint") {
      for (double b : bounds) {
        if (b != std::floor(b) || std::fabs(b) > 9.0e15)
          f.fail(kind, f.rawValue(kind) + ": expected whole numbers");
      }
    }
    if (kind == "qint") {
      if (bounds[2] < 1) f.fail(kind, f.rawValue(kind) + ": q must be at least 1");
      p.step = static_cast<int64_t>(bounds[2]);
    }
  } else {
    f.fail(kind, space.rawValue(key) + shape);
  }
  f.rejectUnknownKeys();
  return p;
}

}  // namespace

SearchSpace parseSearchSpace(YamlFields space, const YAML::Node& node) {
  std::vector<Param> params;
  if (node && !node.IsNull()) {
    for (const auto& item : node)
      params.push_back(parseParam(space, item.first.Scalar(), item.second));
  }
  space.rejectUnknownKeys();
  return SearchSpace(std::move(params));
}

}  // namespace cog::coord::sweep
