#include "worker/checkpoint/checkpoint_names.hpp"

#include <cctype>
#include <cstdio>

#include "common/error.hpp"

namespace cog::checkpoint {

namespace {

constexpr const char* kStagingPrefix = ".tmp-";
constexpr const char* kSetAsidePrefix = ".old-";
// Leaves room for the ".tmp-" prefix and "-<pid>-<n>" suffix within NAME_MAX (255).
constexpr size_t kMaxNameLength = 200;

bool parseNumber(const std::string& text, long& value) {
  if (text.empty() || text.size() > 18) return false;
  for (const char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  value = std::stol(text);
  return true;
}

bool startsWith(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

}  // namespace

std::string periodicCheckpointName(int64_t epochs_done) {
  char name[32];
  std::snprintf(name, sizeof name, "epoch-%04lld", static_cast<long long>(epochs_done));
  return name;
}

std::string requestedCheckpointName(int64_t global_step) {
  char name[32];
  std::snprintf(name, sizeof name, "step-%08lld", static_cast<long long>(global_step));
  return name;
}

std::optional<int64_t> periodicCheckpointEpochs(const std::string& name) {
  long epochs = 0;
  if (!startsWith(name, "epoch-") || !parseNumber(name.substr(6), epochs)) return std::nullopt;
  return epochs;
}

void validateCheckpointName(const std::string& name) {
  const auto reject = [&](const char* why) {
    throw CheckpointError("invalid checkpoint name '" + name + "': " + why);
  };
  if (name.empty()) reject("it is empty");
  if (name.size() > kMaxNameLength) reject("longer than 200 characters");
  if (name.front() == '.') reject("names starting with '.' are reserved for temporaries");
  if (name.find('/') != std::string::npos) reject("it contains '/'");
  if (name.find('\0') != std::string::npos) reject("it contains a NUL byte");
}

std::string temporaryName(const TemporaryName& parts) {
  const char* prefix = parts.kind == TemporaryKind::kStaging ? kStagingPrefix : kSetAsidePrefix;
  return prefix + parts.checkpoint + "-" + std::to_string(parts.pid) + "-" +
         std::to_string(parts.sequence);
}

std::optional<TemporaryName> parseTemporaryName(const std::string& entry) {
  TemporaryName parts{};
  if (startsWith(entry, kStagingPrefix)) {
    parts.kind = TemporaryKind::kStaging;
  } else if (startsWith(entry, kSetAsidePrefix)) {
    parts.kind = TemporaryKind::kSetAside;
  } else {
    return std::nullopt;
  }
  // NAME may itself contain '-', so the two numbers are split off from the right.
  const std::string rest = entry.substr(5);
  const size_t lastDash = rest.rfind('-');
  if (lastDash == std::string::npos || lastDash == 0) return std::nullopt;
  const size_t pidDash = rest.rfind('-', lastDash - 1);
  if (pidDash == std::string::npos || pidDash == 0) return std::nullopt;
  if (!parseNumber(rest.substr(lastDash + 1), parts.sequence)) return std::nullopt;
  if (!parseNumber(rest.substr(pidDash + 1, lastDash - pidDash - 1), parts.pid)) {
    return std::nullopt;
  }
  parts.checkpoint = rest.substr(0, pidDash);
  if (parts.checkpoint.front() == '.') return std::nullopt;
  return parts;
}

}  // namespace cog::checkpoint
