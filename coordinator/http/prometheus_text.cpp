#include "coordinator/http/prometheus_text.hpp"

#include <charconv>
#include <cmath>
#include <functional>
#include <string_view>
#include <unordered_map>

namespace cog::coord {
namespace {

// Writes one gauge family: HELP/TYPE, then one sample per job for which `value` gives a
// non-NaN number.
void family(std::string& out, const std::vector<JobRow>& jobs, const char* name, const char* help,
            const std::function<double(const JobRow&)>& value) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += " gauge\n";
  for (const JobRow& job : jobs) {
    const double v = value(job);
    if (std::isnan(v)) continue;
    out += name;
    out += "{job=\"" + prometheusLabelValue(job.id) + "\"} " + prometheusNumber(v) + "\n";
  }
}

}  // namespace

std::string prometheusLabelValue(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string prometheusNumber(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[32];
  const auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  return std::string(buf, ec == std::errc() ? ptr : buf);
}

std::string prometheusText(const std::vector<JobRow>& jobs) {
  std::string out;
  out.reserve(256 + jobs.size() * 512);
  family(out, jobs, "cog_job_step", "Newest reported global step of the job.",
         [](const JobRow& j) { return static_cast<double>(j.step); });
  family(out, jobs, "cog_job_epoch", "Newest reported epoch of the job.",
         [](const JobRow& j) { return static_cast<double>(j.epoch); });
  family(out, jobs, "cog_job_attempt",
         "Current (or last) attempt number, 1-based; 0 = never started.",
         [](const JobRow& j) { return static_cast<double>(j.attempt); });
  family(out, jobs, "cog_job_restarts", "Crash restarts used by the job.",
         [](const JobRow& j) { return static_cast<double>(j.restarts); });
  family(out, jobs, "cog_job_relaunches", "Divergence relaunches used by the job.",
         [](const JobRow& j) { return static_cast<double>(j.relaunches); });
  family(out, jobs, "cog_job_best_val_loss",
         "Best validation loss so far (absent before the first validation).",
         [](const JobRow& j) { return j.best_val_loss; });
  family(out, jobs, "cog_job_best_exact_match", "Best validation exact-match rate so far.",
         [](const JobRow& j) { return j.best_exact_match; });

  out += "# HELP cog_job_state The job's current state (the sample with value 1).\n";
  out += "# TYPE cog_job_state gauge\n";
  for (const JobRow& job : jobs) {
    out += "cog_job_state{job=\"" + prometheusLabelValue(job.id) + "\",state=\"" +
           prometheusLabelValue(nameOf(job.state)) + "\"} 1\n";
  }

  out += "# HELP cog_job_metric Scalars of the job's newest metrics report, by name.\n";
  out += "# TYPE cog_job_metric gauge\n";
  std::unordered_map<std::string_view, size_t> last_index;
  for (const JobRow& job : jobs) {
    const std::string jobLabel = prometheusLabelValue(job.id);
    // A name reported twice would make a duplicate series, which scrapers reject: keep the
    // later value, as the JSON view does. One pass finds each name's last index (linear in
    // the number of series; a scan per name made 20k names take 0.7 s).
    last_index.clear();
    last_index.reserve(job.last_metrics.size());
    for (size_t i = 0; i < job.last_metrics.size(); ++i) last_index[job.last_metrics[i].first] = i;
    for (size_t i = 0; i < job.last_metrics.size(); ++i) {
      const auto& [name, value] = job.last_metrics[i];
      if (std::isnan(value) || last_index[name] != i) continue;
      out += "cog_job_metric{job=\"" + jobLabel + "\",name=\"" + prometheusLabelValue(name) +
             "\"} " + prometheusNumber(value) + "\n";
    }
  }
  return out;
}

}  // namespace cog::coord
