#include "coordinator/status_view.hpp"

#include <cmath>
#include <iomanip>
#include <sstream>

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
  if (total >= 3600) os << total / 3600 << "h" << std::setw(2) << std::setfill('0') << (total % 3600) / 60 << "m";
  else if (total >= 60) os << total / 60 << "m" << std::setw(2) << std::setfill('0') << total % 60 << "s";
  else os << total << "s";
  return os.str();
}

std::string formatStatusTable(const std::vector<JobRow>& jobs) {
  const std::vector<std::pair<std::string, size_t>> columns = {
      {"job", 14}, {"attempt", 8}, {"state", 14}, {"epoch/step", 12}, {"loss", 9},
      {"best val", 9}, {"tokens/s", 9}, {"ETA", 8}};
  std::ostringstream os;
  for (const auto& [title, width] : columns) os << pad(title, width);
  os << "\n";
  for (const auto& job : jobs) {
    const auto& m = job.last_metrics;
    const bool running = job.state == "running" || job.state == "stopping";
    os << pad(job.id, 14) << pad(std::to_string(job.attempt), 8) << pad(job.state, 14)
       << pad(std::to_string(job.epoch + 1) + "/" + std::to_string(job.step), 12)
       << pad(formatValue(scalarOr(m, "loss")), 9) << pad(formatValue(job.best_val_loss), 9)
       << pad(formatValue(scalarOr(m, "tokens_per_s"), 5), 9)
       << pad(running ? formatDuration(scalarOr(m, "eta_s")) : "-", 8) << "\n";
  }
  return os.str();
}

std::string formatSummary(const std::vector<JobRow>& jobs, const std::vector<EventRow>& decisions) {
  std::ostringstream os;
  os << "summary\n";
  for (const auto& job : jobs) {
    os << "  " << job.id << ": " << job.state << (job.end_reason.empty() ? "" : " (" + job.end_reason + ")")
       << ", best val loss " << formatValue(job.best_val_loss) << ", exact match "
       << formatValue(job.best_exact_match, 3) << ", " << job.attempt << " attempt(s), step " << job.step
       << ", restarts " << job.restarts << ", relaunches " << job.relaunches << "\n";
    for (const auto& e : decisions) {
      if (e.job_id == job.id) os << "      #" << e.attempt << " " << e.kind << ": " << e.detail << "\n";
    }
  }
  return os.str();
}

}  // namespace cog::coord
