#include "common/yaml_fields.hpp"

#include <cmath>
#include <limits>
#include <sstream>

namespace cog {
namespace detail {

bool convertScalar(const YAML::Node& node, bool& out) {
  if (!node.IsScalar()) return false;
  return YAML::convert<bool>::decode(node, out);
}

bool convertScalar(const YAML::Node& node, std::string& out) {
  if (!node.IsScalar()) return false;
  out = node.Scalar();
  return true;
}

bool convertScalar(const YAML::Node& node, double& out) {
  if (!node.IsScalar()) return false;
  const std::string& text = node.Scalar();
  try {
    size_t used = 0;
    double v = std::stod(text, &used);
    if (used != text.size()) return false;
    out = v;
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

bool convertScalar(const YAML::Node& node, int64_t& out) {
  if (!node.IsScalar()) return false;
  const std::string& text = node.Scalar();
  try {
    size_t used = 0;
    long long v = std::stoll(text, &used);
    if (used != text.size()) return false;
    out = v;
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

bool convertScalar(const YAML::Node& node, uint64_t& out) {
  int64_t v = 0;
  if (!convertScalar(node, v) || v < 0) return false;
  out = static_cast<uint64_t>(v);
  return true;
}

bool convertScalar(const YAML::Node& node, int& out) {
  int64_t v = 0;
  if (!convertScalar(node, v) || v < std::numeric_limits<int>::min() ||
      v > std::numeric_limits<int>::max()) {
    return false;
  }
  out = static_cast<int>(v);
  return true;
}

bool convertScalar(const YAML::Node& node, std::vector<double>& out) {
  if (!node.IsSequence()) return false;
  std::vector<double> values;
  for (const auto& item : node) {
    double v = 0;
    if (!convertScalar(item, v)) return false;
    values.push_back(v);
  }
  out = values;
  return true;
}

bool convertScalar(const YAML::Node& node, std::vector<std::string>& out) {
  if (!node.IsSequence()) return false;
  std::vector<std::string> values;
  for (const auto& item : node) {
    if (!item.IsScalar()) return false;
    values.push_back(item.Scalar());
  }
  out = values;
  return true;
}

// A mapping of names to numbers ({recall: 0.25, one_digit: 0.5}); a name given twice is
// refused rather than one of its values silently kept.
bool convertScalar(const YAML::Node& node, std::map<std::string, double>& out) {
  if (!node.IsMap()) return false;
  std::map<std::string, double> values;
  for (const auto& item : node) {
    double v = 0;
    if (!item.first.IsScalar() || !convertScalar(item.second, v)) return false;
    if (!values.emplace(item.first.Scalar(), v).second) return false;
  }
  out = values;
  return true;
}

const char* typeName(const bool*) { return "true or false"; }
const char* typeName(const std::string*) { return "a string"; }
const char* typeName(const double*) { return "a number"; }
const char* typeName(const int64_t*) { return "an integer"; }
const char* typeName(const uint64_t*) { return "a non-negative integer"; }
const char* typeName(const int*) { return "an integer"; }
const char* typeName(const std::vector<double>*) { return "a list of numbers"; }
const char* typeName(const std::vector<std::string>*) { return "a list of strings"; }
const char* typeName(const std::map<std::string, double>*) { return "a mapping of names to numbers, each name once"; }

}  // namespace detail

YamlFields::YamlFields(YAML::Node node, std::string path, std::string file)
    : node_(node), path_(std::move(path)), file_(std::move(file)) {
  if (node_ && !node_.IsNull() && !node_.IsMap()) {
    throw ConfigError(file_ + ": " + (path_.empty() ? "top level" : path_) +
                      " must be a mapping of key: value");
  }
}

YAML::Node YamlFields::child(const std::string& key) const {
  if (!node_ || node_.IsNull()) return YAML::Node();
  // Const lookup: operator[] on a non-const node would insert the key.
  const YAML::Node& const_node = node_;
  return const_node[key];
}

bool YamlFields::has(const std::string& key) const {
  YAML::Node value = child(key);
  return value && !value.IsNull();
}

std::string YamlFields::keyPath(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

std::string YamlFields::rawValue(const std::string& key) const {
  YAML::Node value = child(key);
  if (!value) return "<missing>";
  if (value.IsScalar()) return value.Scalar();
  std::ostringstream os;
  os << YAML::Dump(value);
  std::string text = os.str();
  for (auto& c : text) {
    if (c == '\n') c = ' ';
  }
  return text;
}

void YamlFields::fail(const std::string& key, const std::string& message) const {
  std::string where;
  YAML::Node value = child(key);
  if (value && value.Mark().line >= 0) where = ":" + std::to_string(value.Mark().line + 1);
  throw ConfigError(file_ + where + ": " + keyPath(key) + " = " + message);
}

void YamlFields::requireRange(const std::string& key, double value, double low, double high,
                              const std::string& unit) const {
  if (std::isfinite(value) && value >= low && value <= high) return;
  std::ostringstream bounds;
  bounds << "[" << low << unit << ", " << high << unit << "]";
  fail(key, rawValue(key) + ": must be a finite number in " + bounds.str());
}

YamlFields YamlFields::section(const std::string& key) {
  read_.insert(key);
  return YamlFields(child(key), keyPath(key), file_);
}

std::vector<YamlFields> YamlFields::sectionList(const std::string& key) {
  read_.insert(key);
  std::vector<YamlFields> out;
  YAML::Node list = child(key);
  if (!list || list.IsNull()) return out;
  if (!list.IsSequence()) fail(key, rawValue(key) + ": expected a list of mappings");
  for (size_t i = 0; i < list.size(); ++i) {
    out.emplace_back(list[i], keyPath(key) + "[" + std::to_string(i) + "]", file_);
  }
  return out;
}

void YamlFields::rejectUnknownKeys() const {
  if (!node_ || node_.IsNull()) return;
  for (const auto& item : node_) {
    const std::string key = item.first.Scalar();
    if (read_.count(key)) continue;
    std::string known;
    for (const auto& k : read_) known += (known.empty() ? "" : ", ") + k;
    std::string where;
    if (item.first.Mark().line >= 0) where = ":" + std::to_string(item.first.Mark().line + 1);
    throw ConfigError(file_ + where + ": unknown key " + keyPath(key) + " (known here: " + known + ")");
  }
}

namespace {

// Splits "a.b[2].c" into steps; each step is a key and an optional list index.
struct PathStep {
  std::string key;
  int64_t index = -1;
};

std::vector<PathStep> parsePath(const std::string& path, const std::string& assignment) {
  std::vector<PathStep> steps;
  std::stringstream ss(path);
  std::string part;
  while (std::getline(ss, part, '.')) {
    PathStep step;
    auto bracket = part.find('[');
    if (bracket != std::string::npos) {
      auto close = part.find(']', bracket);
      if (close == std::string::npos || close + 1 != part.size()) {
        throw ConfigError("--set " + assignment + ": malformed list index in '" + part + "'");
      }
      try {
        step.index = std::stoll(part.substr(bracket + 1, close - bracket - 1));
      } catch (const std::exception&) {
        throw ConfigError("--set " + assignment + ": list index in '" + part + "' is not a number");
      }
      part = part.substr(0, bracket);
    }
    if (part.empty()) throw ConfigError("--set " + assignment + ": empty key in path '" + path + "'");
    step.key = part;
    steps.push_back(step);
  }
  if (steps.empty()) throw ConfigError("--set " + assignment + ": missing key path");
  return steps;
}

}  // namespace

void applyYamlOverride(YAML::Node& root, const std::string& assignment) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos) {
    throw ConfigError("--set " + assignment + ": expected key.path=value");
  }
  const std::string path = assignment.substr(0, eq);
  YAML::Node value;
  try {
    value = YAML::Load(assignment.substr(eq + 1));
  } catch (const YAML::Exception& e) {
    throw ConfigError("--set " + assignment + ": value is not valid YAML: " + e.msg);
  }
  auto steps = parsePath(path, assignment);
  if (!root || root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  // yaml-cpp nodes are handles: assigning through `cursor` edits the tree in place.
  YAML::Node cursor = root;
  for (size_t i = 0; i < steps.size(); ++i) {
    const auto& step = steps[i];
    const bool last = i + 1 == steps.size();
    if (!cursor.IsMap() && !cursor.IsNull()) {
      throw ConfigError("--set " + assignment + ": '" + step.key + "' is under a value that is not a mapping");
    }
    YAML::Node next = cursor[step.key];
    if (step.index >= 0) {
      if (!next.IsSequence() || step.index >= static_cast<int64_t>(next.size())) {
        throw ConfigError("--set " + assignment + ": " + step.key + " has no item [" +
                          std::to_string(step.index) + "]");
      }
      // Node::operator= would overwrite the list's content; reset() rebinds the handle.
      YAML::Node item = next[step.index];
      next.reset(item);
    }
    if (last) {
      if (step.index >= 0) {
        cursor[step.key][step.index] = value;
      } else {
        cursor[step.key] = value;
      }
    } else {
      if (!next || next.IsNull()) {
        cursor[step.key] = YAML::Node(YAML::NodeType::Map);
        next = cursor[step.key];
      }
      cursor.reset(next);
    }
  }
}

YAML::Node loadYamlFile(const std::string& path) {
  try {
    return YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw ConfigError(path + ": cannot open configuration file");
  } catch (const YAML::ParserException& e) {
    throw ConfigError(path + ":" + std::to_string(e.mark.line + 1) + ": YAML syntax error: " + e.msg);
  }
}

YAML::Node parseYamlText(const std::string& text, const std::string& source) {
  try {
    return YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(source + ":" + std::to_string(e.mark.line + 1) + ": YAML syntax error: " + e.msg);
  }
}

LoadedYaml loadYamlWithOverrides(const std::string& path, const std::vector<std::string>& overrides) {
  LoadedYaml loaded;
  loaded.root = loadYamlFile(path);
  for (const auto& assignment : overrides) applyYamlOverride(loaded.root, assignment);
  std::ostringstream effective;
  effective << loaded.root;
  loaded.effective_text = effective.str();
  const auto slash = path.find_last_of('/');
  loaded.base_dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  return loaded;
}

}  // namespace cog
