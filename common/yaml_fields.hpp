#pragma once
// Typed, validated reading of one YAML mapping. Every configuration struct in Cog is filled
// through this class, so every error has the same shape:
//   "configs/models/tiny.yaml: train.batch_size = abc: expected an integer"
// and a key nobody read is reported as unknown (with the known keys) instead of being
// silently ignored — the original project's LR scheduler wrote a field nothing read.
#include <yaml-cpp/yaml.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace cog {

class YamlFields {
 public:
  // `node` must be a map or null (null = empty section). `path` is the dotted key path of
  // this section ("" at the top); `file` names the source in error messages.
  YamlFields(YAML::Node node, std::string path, std::string file);

  // Reads `key` into `out` if present; leaves `out` (the default) alone if absent.
  template <typename T>
  void optional(const std::string& key, T& out);
  template <typename T>
  void required(const std::string& key, T& out);
  bool has(const std::string& key) const;

  // A nested mapping (empty when absent). Each section checks its own unknown keys.
  YamlFields section(const std::string& key);
  // A sequence of mappings (empty when absent), each with its indexed path ("a.b[2]").
  std::vector<YamlFields> sectionList(const std::string& key);

  // Throws ConfigError naming the first key present in the YAML but never read.
  void rejectUnknownKeys() const;

  [[noreturn]] void fail(const std::string& key, const std::string& message) const;
  // Fails unless `value` (read from `key`) is a finite number in [low, high]; `unit` ("s")
  // follows the bounds in the message. NaN and infinities (YAML .nan, .inf) fail too.
  void requireRange(const std::string& key, double value, double low, double high, const std::string& unit = "") const;
  std::string keyPath(const std::string& key) const;
  const std::string& file() const { return file_; }
  // The scalar text of `key` as written in the file (for error messages).
  std::string rawValue(const std::string& key) const;

 private:
  YAML::Node child(const std::string& key) const;

  YAML::Node node_;
  std::string path_;
  std::string file_;
  std::set<std::string> read_;
};

// Applies `key.path=value` overrides (CLI --set) to a YAML tree; `value` is parsed as YAML,
// so numbers, booleans and [lists] keep their types. List items are addressed as key[i].
// A malformed override throws ConfigError naming it.
void applyYamlOverride(YAML::Node& root, const std::string& assignment);

// Loads a YAML file; a missing file or syntax error is a ConfigError naming file and line.
YAML::Node loadYamlFile(const std::string& path);

// A YAML document from text (a config stored in a checkpoint or store); a syntax error is a
// ConfigError naming `source` and the line.
YAML::Node parseYamlText(const std::string& text, const std::string& source);

// A config file with --set overrides applied. The tree is what gets parsed (so error line
// numbers are the file's own); the effective text is what gets stored; relative paths in
// the file resolve against base_dir (the file's folder, "." for a bare name).
struct LoadedYaml {
  YAML::Node root;
  std::string effective_text;
  std::string base_dir;
};
LoadedYaml loadYamlWithOverrides(const std::string& path, const std::vector<std::string>& overrides);

namespace detail {
// One overload per supported field type; false when the node does not hold that type.
bool convertScalar(const YAML::Node& node, bool& out);
bool convertScalar(const YAML::Node& node, std::string& out);
bool convertScalar(const YAML::Node& node, double& out);
bool convertScalar(const YAML::Node& node, int64_t& out);
bool convertScalar(const YAML::Node& node, uint64_t& out);
bool convertScalar(const YAML::Node& node, int& out);
bool convertScalar(const YAML::Node& node, std::vector<double>& out);
bool convertScalar(const YAML::Node& node, std::vector<std::string>& out);
bool convertScalar(const YAML::Node& node, std::map<std::string, double>& out);
const char* typeName(const bool*);
const char* typeName(const std::string*);
const char* typeName(const double*);
const char* typeName(const int64_t*);
const char* typeName(const uint64_t*);
const char* typeName(const int*);
const char* typeName(const std::vector<double>*);
const char* typeName(const std::vector<std::string>*);
const char* typeName(const std::map<std::string, double>*);
}  // namespace detail

template <typename T>
void YamlFields::optional(const std::string& key, T& out) {
  read_.insert(key);
  YAML::Node value = child(key);
  if (!value || value.IsNull()) return;
  if (!detail::convertScalar(value, out)) {
    fail(key, rawValue(key) + ": expected " + detail::typeName(static_cast<T*>(nullptr)));
  }
}

template <typename T>
void YamlFields::required(const std::string& key, T& out) {
  if (!has(key)) fail(key, "missing (required)");
  optional(key, out);
}

}  // namespace cog
