// Store's read side (StoreReader and the counters the coordinator resumes from).
#include <limits>

#include "coordinator/store/scalars_json.hpp"
#include "coordinator/store/statement.hpp"
#include "coordinator/store/store.hpp"

namespace cog::coord {
namespace {

// SQLite's LIMIT is a signed 64-bit integer; SIZE_MAX means "no limit".
int64_t sqlLimit(size_t limit) {
  constexpr auto kMax = static_cast<size_t>(std::numeric_limits<int64_t>::max());
  return static_cast<int64_t>(limit > kMax ? kMax : limit);
}

JobRow readJob(const Statement& s, const std::string& file) {
  JobRow r;
  r.id = s.columnText(0);
  r.experiment_id = s.columnText(1);
  r.model_config = s.columnText(2);
  r.state = s.columnText(3);
  r.attempt = static_cast<int>(s.columnInt(4));
  r.ranks = static_cast<int>(s.columnInt(5));
  r.slots = static_cast<int>(s.columnInt(6));
  r.restarts = static_cast<int>(s.columnInt(7));
  r.relaunches = static_cast<int>(s.columnInt(8));
  r.step = s.columnInt(9);
  r.epoch = s.columnInt(10);
  r.best_val_loss = s.columnDouble(11);
  r.best_exact_match = s.columnDouble(12);
  r.last_metrics = scalarsFromJson(s.columnText(13), file + ": job '" + r.id + "' last_metrics");
  r.end_reason = s.columnText(14);
  r.updated_at = s.columnDouble(15);
  return r;
}

EventRow readEvent(const Statement& s, const std::string& file) {
  EventRow r;
  r.id = s.columnInt(0);
  r.time = s.columnDouble(1);
  r.job_id = s.columnText(2);
  r.attempt = static_cast<int>(s.columnInt(3));
  r.source = s.columnText(4);
  r.kind = s.columnText(5);
  r.detail = s.columnText(6);
  r.numbers = scalarsFromJson(s.columnText(7), file + ": event " + std::to_string(r.id));
  return r;
}

}  // namespace

std::vector<ExperimentRow> Store::experiments() const {
  auto& s = statement(
      "SELECT id, config_path, config_yaml, state, created_at, updated_at FROM experiments "
      "ORDER BY created_at, rowid");
  auto use = s.use();
  std::vector<ExperimentRow> out;
  while (s.step()) {
    out.push_back({s.columnText(0), s.columnText(1), s.columnText(2), s.columnText(3),
                   s.columnDouble(4), s.columnDouble(5)});
  }
  return out;
}

std::vector<JobRow> Store::jobs() const {
  if (jobs_cache_) return *jobs_cache_;
  auto& s = statement(
      "SELECT id, experiment_id, model_config, state, attempt, ranks, slots, restarts, "
      "relaunches, step, epoch, best_val_loss, best_exact_match, last_metrics, end_reason, "
      "updated_at FROM jobs ORDER BY rowid");
  auto use = s.use();
  std::vector<JobRow> out;
  while (s.step()) out.push_back(readJob(s, file_));
  jobs_cache_ = out;
  return out;
}

std::optional<JobRow> Store::job(const std::string& id) const {
  if (!jobs_cache_) jobs();
  for (const auto& row : *jobs_cache_) {
    if (row.id == id) return row;
  }
  return std::nullopt;
}

std::vector<AttemptRow> Store::attempts(const std::string& job_id) const {
  auto& s = statement(
      "SELECT job_id, attempt, kind, overrides, start_checkpoint, start_step, run_dir, pid, "
      "started_at, ended_at, end_reason, exit_code FROM attempts WHERE job_id = ?1 "
      "ORDER BY attempt");
  auto use = s.use();
  s.bind(1, job_id);
  std::vector<AttemptRow> out;
  while (s.step()) {
    AttemptRow r;
    r.job_id = s.columnText(0);
    r.attempt = static_cast<int>(s.columnInt(1));
    r.kind = s.columnText(2);
    r.overrides =
        stringsFromJson(s.columnText(3), file_ + ": attempt " + std::to_string(r.attempt) +
                                             " of job '" + r.job_id + "' overrides");
    r.start_checkpoint = s.columnText(4);
    r.start_step = s.columnInt(5);
    r.run_dir = s.columnText(6);
    r.pid = s.columnInt(7);
    r.started_at = s.columnDouble(8);
    r.ended_at = s.columnDouble(9);
    r.end_reason = s.columnText(10);
    r.exit_code = static_cast<int>(s.columnInt(11));
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<MetricRow> Store::metrics(const std::string& job_id, int64_t since_step,
                                      size_t limit) const {
  auto& s = statement(
      "SELECT job_id, attempt, step, epoch, time, scalars FROM metrics "
      "WHERE job_id = ?1 AND superseded = 0 AND step > ?2 ORDER BY step LIMIT ?3");
  auto use = s.use();
  s.bind(1, job_id).bind(2, since_step).bind(3, sqlLimit(limit));
  std::vector<MetricRow> out;
  while (s.step()) {
    MetricRow r;
    r.job_id = s.columnText(0);
    r.attempt = static_cast<int>(s.columnInt(1));
    r.step = s.columnInt(2);
    r.epoch = s.columnInt(3);
    r.time = s.columnDouble(4);
    r.scalars = scalarsFromJson(s.columnText(5), file_ + ": metric of job '" + r.job_id +
                                                     "' step " + std::to_string(r.step));
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<ValidationRow> Store::validations(const std::string& job_id) const {
  auto& s = statement(
      "SELECT job_id, attempt, step, epoch, time, scalars, samples_json FROM validations "
      "WHERE job_id = ?1 ORDER BY step, attempt");
  auto use = s.use();
  s.bind(1, job_id);
  std::vector<ValidationRow> out;
  while (s.step()) {
    ValidationRow r;
    r.job_id = s.columnText(0);
    r.attempt = static_cast<int>(s.columnInt(1));
    r.step = s.columnInt(2);
    r.epoch = s.columnInt(3);
    r.time = s.columnDouble(4);
    r.scalars = scalarsFromJson(s.columnText(5), file_ + ": validation of job '" + r.job_id +
                                                     "' step " + std::to_string(r.step));
    r.samples_json = s.columnText(6);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<CheckpointRow> Store::checkpoints(const std::string& job_id) const {
  auto& s = statement(
      "SELECT job_id, attempt, step, name, path, val_loss, healthy, time FROM checkpoints "
      "WHERE job_id = ?1 ORDER BY step, id");
  auto use = s.use();
  s.bind(1, job_id);
  std::vector<CheckpointRow> out;
  while (s.step()) {
    CheckpointRow r;
    r.job_id = s.columnText(0);
    r.attempt = static_cast<int>(s.columnInt(1));
    r.step = s.columnInt(2);
    r.name = s.columnText(3);
    r.path = s.columnText(4);
    r.val_loss = s.columnDouble(5);
    r.healthy = s.columnInt(6) != 0;
    r.time = s.columnDouble(7);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<EventRow> Store::events(int64_t since_id, const std::string& job_id,
                                    size_t limit) const {
  // Two queries rather than "(?2 = '' OR job_id = ?2)", which would keep SQLite from
  // using the (job_id, id) index.
  static constexpr const char* kAll =
      "SELECT id, time, job_id, attempt, source, kind, detail, numbers FROM events "
      "WHERE id > ?1 ORDER BY id LIMIT ?3";
  static constexpr const char* kOneJob =
      "SELECT id, time, job_id, attempt, source, kind, detail, numbers FROM events "
      "WHERE id > ?1 AND job_id = ?2 ORDER BY id LIMIT ?3";
  auto& s = statement(job_id.empty() ? kAll : kOneJob);
  auto use = s.use();
  s.bind(1, since_id).bind(3, sqlLimit(limit));
  if (!job_id.empty()) s.bind(2, job_id);
  std::vector<EventRow> out;
  while (s.step()) out.push_back(readEvent(s, file_));
  return out;
}

int64_t Store::metricCount(const std::string& job_id, bool include_superseded) const {
  static constexpr const char* kAll = "SELECT count(*) FROM metrics WHERE superseded <= ?2";
  static constexpr const char* kOneJob =
      "SELECT count(*) FROM metrics WHERE job_id = ?1 AND superseded <= ?2";
  auto& s = statement(job_id.empty() ? kAll : kOneJob);
  auto use = s.use();
  if (!job_id.empty()) s.bind(1, job_id);
  s.bind(2, include_superseded ? 1 : 0);
  return s.step() ? s.columnInt(0) : 0;
}

int64_t Store::maxMetricStep(const std::string& job_id, int attempt) const {
  // Walks the (job_id, step, attempt) index from the newest step: the attempt asked about
  // is almost always the latest, found at once.
  auto& s = statement(
      "SELECT step FROM metrics WHERE job_id = ?1 AND attempt = ?2 ORDER BY step DESC "
      "LIMIT 1");
  auto use = s.use();
  s.bind(1, job_id).bind(2, attempt);
  return s.step() ? s.columnInt(0) : -1;
}

}  // namespace cog::coord
