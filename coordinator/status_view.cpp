#include "coordinator/status_view.hpp"

#include <cmath>
#include <iomanip>
#include <sstream>

#include "comms/wire/metric_names.hpp"

namespace cog::coord {
namespace {

std::string pad(const std::string& s, size_t width) {
  return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

}  // namespace

std::string formatValue(double value, int precision) {
  if (std::isnan(value)) return "-";
  std::ostringstream os;
  os << std::setprecision(precision) << value;
  return os.str();
}

std::string formatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "-";
  const auto total = static_cast<long long>(std::llround(seconds));
  std::ostringstream os;
  if (total >= 3600)
    os << total / 3600 << "h" << std::setw(2) << std::setfill('0') << (total % 3600) / 60 << "m";
  else if (total >= 60)
    os << total / 60 << "m" << std::setw(2) << std::setfill('0') << total % 60 << "s";
  else
    os << total << "s";
  return os.str();
}

namespace {

// The slice (family or class) with the lowest exact match among scalars named prefix+slice.
std::string weakest(const Scalars& scalars, const std::string& prefix, const std::string& label) {
  std::string name;
  double lowest = 2;
  for (const auto& [key, value] : scalars) {
    if (key.rfind(prefix, 0) == 0 && std::isfinite(value) && value < lowest) {
      lowest = value;
      name = key.substr(prefix.size());
    }
  }
  return name.empty() ? "" : ", weakest " + label + " " + name + " " + formatValue(lowest, 3);
}

}  // namespace

std::string describeValidation(const Scalars& s) {
  using namespace wire::metric;
  return std::string(kValLoss) + " " + formatValue(scalarOr(s, kValLoss)) + ", " + kExactMatch +
         " " + formatValue(scalarOr(s, kExactMatch), 3) + ", " + kDistinct1 + " " +
         formatValue(scalarOr(s, kDistinct1), 3) + weakest(s, kExactMatchFamilyPrefix, "family") +
         weakest(s, kExactMatchClassPrefix, "class");
}

std::string formatStatusTable(const std::vector<JobRow>& jobs) {
  const std::vector<std::pair<std::string, size_t>> columns = {
      {"job", 14}, {"attempt", 8},  {"state", 14},   {"epoch/step", 12},
      {"loss", 9}, {"best val", 9}, {"tokens/s", 9}, {"ETA", 8}};
  std::ostringstream os;
  for (const auto& [title, width] : columns) os << pad(title, width);
  os << "\n";
  for (const auto& job : jobs) {
    const auto& m = job.last_metrics;
    const bool running = job.state == JobState::kRunning || job.state == JobState::kStopping;
    // A queued job whose attempt waits in a cluster scheduler shows why ("queued (Slurm: Resources)").
    const bool scheduler_wait = job.state == JobState::kQueued && !job.end_reason.empty();
    const std::string state =
        scheduler_wait ? std::string(nameOf(job.state)) + " (" + job.end_reason + ")" : nameOf(job.state);
    os << pad(job.id, 14) << pad(std::to_string(job.attempt), 8) << pad(state, 14)
       << pad(std::to_string(job.epoch + 1) + "/" + std::to_string(job.step), 12)
       << pad(formatValue(scalarOr(m, wire::metric::kLoss)), 9)
       << pad(formatValue(job.best_val_loss), 9)
       << pad(formatValue(scalarOr(m, wire::metric::kTokensPerS), 5), 9)
       << pad(running ? formatDuration(scalarOr(m, wire::metric::kEtaS)) : "-", 8) << "\n";
  }
  return os.str();
}

std::string formatSummary(const std::vector<JobRow>& jobs, const std::vector<EventRow>& decisions,
                          const std::map<std::string, Scalars>& last_validations) {
  std::ostringstream os;
  os << "summary\n";
  for (const auto& job : jobs) {
    os << "  " << job.id << ": " << nameOf(job.state)
       << (job.end_reason.empty() ? "" : " (" + job.end_reason + ")") << ", best val loss "
       << formatValue(job.best_val_loss) << ", exact match " << formatValue(job.best_exact_match, 3)
       << ", " << job.attempt << " attempt(s), step " << job.step << ", restarts " << job.restarts
       << ", relaunches " << job.relaunches << "\n";
    if (auto it = last_validations.find(job.id); it != last_validations.end()) {
      os << "      last validation: " << describeValidation(it->second) << "\n";
    }
    for (const auto& e : decisions) {
      if (e.job_id == job.id)
        os << "      #" << e.attempt << " " << e.kind << ": " << e.detail << "\n";
    }
  }
  return os.str();
}

}  // namespace cog::coord
