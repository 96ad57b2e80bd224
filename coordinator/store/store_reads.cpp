// Store's read side (StoreReader and the counters the coordinator resumes from). Column
// lists and row decoding come from row_columns.hpp through row_sql.hpp.
#include <limits>

#include "coordinator/store/row_sql.hpp"
#include "coordinator/store/store.hpp"

namespace cog::coord {
namespace {

// SQLite's LIMIT is a signed 64-bit integer; SIZE_MAX means "no limit".
int64_t sqlLimit(size_t limit) {
  constexpr auto kMax = static_cast<size_t>(std::numeric_limits<int64_t>::max());
  return static_cast<int64_t>(limit > kMax ? kMax : limit);
}

// "SELECT <the row's columns> FROM table <tail>", built once per call site.
template <typename Row>
std::string selectSql(const std::string& table, const std::string& tail) {
  return "SELECT " + rowSql<Row>().name_list + " FROM " + table + " " + tail;
}

template <typename Row>
std::vector<Row> readAll(Statement& s, const std::string& context) {
  std::vector<Row> out;
  while (s.step()) out.push_back(readRow<Row>(s, context));
  return out;
}

}  // namespace

std::vector<ExperimentRow> Store::experiments() const {
  static const std::string sql =
      selectSql<ExperimentRow>("experiments", "ORDER BY created_at, rowid");
  auto& s = statement(sql.c_str());
  auto use = s.use();
  return readAll<ExperimentRow>(s, file_ + ": experiments");
}

std::vector<JobRow> Store::jobs() const {
  if (jobs_cache_ && access_ == StoreAccess::kOwner) return *jobs_cache_;
  static const std::string sql = selectSql<JobRow>("jobs", "ORDER BY rowid");
  auto& s = statement(sql.c_str());
  auto use = s.use();
  jobs_cache_ = readAll<JobRow>(s, file_ + ": jobs");
  return *jobs_cache_;
}

std::optional<JobRow> Store::job(const std::string& id) const {
  if (!jobs_cache_ || access_ == StoreAccess::kReader) jobs();
  for (const auto& row : *jobs_cache_) {
    if (row.id == id) return row;
  }
  return std::nullopt;
}

std::vector<AttemptRow> Store::attempts(const std::string& job_id) const {
  static const std::string sql =
      selectSql<AttemptRow>("attempts", "WHERE job_id = ?1 ORDER BY attempt");
  auto& s = statement(sql.c_str());
  auto use = s.use();
  s.bind(1, job_id);
  return readAll<AttemptRow>(s, file_ + ": attempts of job '" + job_id + "'");
}

std::vector<MetricRow> Store::metrics(const std::string& job_id, int64_t since_step,
                                      size_t limit) const {
  static const std::string sql = selectSql<MetricRow>(
      "metrics", "WHERE job_id = ?1 AND superseded = 0 AND step > ?2 ORDER BY step LIMIT ?3");
  auto& s = statement(sql.c_str());
  auto use = s.use();
  s.bind(1, job_id).bind(2, since_step).bind(3, sqlLimit(limit));
  return readAll<MetricRow>(s, file_ + ": metrics of job '" + job_id + "'");
}

std::vector<ValidationRow> Store::validations(const std::string& job_id, int64_t since_step,
                                              size_t limit) const {
  static const std::string sql = selectSql<ValidationRow>(
      "validations", "WHERE job_id = ?1 AND superseded = 0 AND step > ?2 ORDER BY step, attempt LIMIT ?3");
  auto& s = statement(sql.c_str());
  auto use = s.use();
  s.bind(1, job_id).bind(2, since_step).bind(3, sqlLimit(limit));
  return readAll<ValidationRow>(s, file_ + ": validations of job '" + job_id + "'");
}

std::vector<CheckpointRow> Store::checkpoints(const std::string& job_id) const {
  static const std::string sql =
      selectSql<CheckpointRow>("checkpoints", "WHERE job_id = ?1 ORDER BY step, id");
  auto& s = statement(sql.c_str());
  auto use = s.use();
  s.bind(1, job_id);
  return readAll<CheckpointRow>(s, file_ + ": checkpoints of job '" + job_id + "'");
}

std::vector<EventRow> Store::events(int64_t since_id, const std::string& job_id,
                                    size_t limit) const {
  // Two queries rather than "(?2 = '' OR job_id = ?2)", which would keep SQLite from
  // using the (job_id, id) index.
  static const std::string all =
      selectSql<EventRow>("events", "WHERE id > ?1 ORDER BY id LIMIT ?3");
  static const std::string one_job =
      selectSql<EventRow>("events", "WHERE id > ?1 AND job_id = ?2 ORDER BY id LIMIT ?3");
  auto& s = statement(job_id.empty() ? all.c_str() : one_job.c_str());
  auto use = s.use();
  s.bind(1, since_id).bind(3, sqlLimit(limit));
  if (!job_id.empty()) s.bind(2, job_id);
  return readAll<EventRow>(s, file_ + ": events");
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
