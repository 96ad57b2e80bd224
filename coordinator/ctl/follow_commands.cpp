// cogctl events and logs, with -f: poll once a second from where the last answer ended
// (events: since = the last event id; logs: since_bytes = the last byte), until the job
// (every job, for events) has ended and nothing more arrived.
#include <chrono>
#include <thread>

#include "coordinator/ctl/commands.hpp"
#include "coordinator/ctl/text_table.hpp"
#include "coordinator/store/states.hpp"

namespace cog::ctl {
using nlohmann::json;

namespace {

constexpr auto kPollInterval = std::chrono::seconds(1);

bool ended(const json& job) {
  const auto state = coord::fromName<coord::JobState>(job.value("state", ""));
  return state && coord::isEnded(*state);
}

// The job (or, for "", every job) has ended.
bool allEnded(const RestClient& client, const std::string& job) {
  if (!job.empty()) return ended(client.getJson("/api/v1/jobs/" + urlEncode(job)));
  const json jobs = client.getJson("/api/v1/jobs")["jobs"];
  for (const json& j : jobs) {
    if (!ended(j)) return false;
  }
  return true;
}

void printEvent(const json& e, const Output& o) {
  if (o.json) {
    o.out << e.dump() << "\n";  // one object per line, like the store's own JSON lines
    return;
  }
  std::string numbers;
  const json numbers_of = e.value("numbers", json::object());
  for (const auto& [name, value] : numbers_of.items()) {
    numbers += " " + name + "=" + cell(value);
  }
  o.out << timeCell(e.value("time", json())) << "  " << cell(e, "job_id") << "  a" << cell(e, "attempt") << "  "
        << cell(e, "source") << "  " << cell(e, "kind") << "  " << cell(e, "detail") << numbers << "\n";
}

}  // namespace

int showEvents(const RestClient& client, const EventsQuery& query, const Output& o) {
  auto page = [&](long long since) {
    std::string target = "/api/v1/events?since=" + std::to_string(since);
    if (!query.job.empty()) target += "&job=" + urlEncode(query.job);
    return client.getJson(target);
  };
  long long since = -1;
  // Once the jobs have ended, one more read collects what was written while they ended.
  bool last_round = false;
  while (true) {
    const json p = page(since);
    for (const json& e : p["events"]) printEvent(e, o);
    o.out.flush();
    since = p.value("next_since", since);
    if (p.value("truncated", false)) continue;
    if (!query.follow || last_round) return 0;
    last_round = allEnded(client, query.job);
    if (!last_round) std::this_thread::sleep_for(kPollInterval);
  }
}

int showLogs(const RestClient& client, const LogsQuery& query, const Output& o) {
  const std::string base = "/api/v1/jobs/" + urlEncode(query.job);
  int attempt = query.attempt;
  auto chunkFrom = [&](long long since) {
    std::string target = base + "/logs?since_bytes=" + std::to_string(since);
    if (attempt > 0) target += "&attempt=" + std::to_string(attempt);
    if (query.rank >= 0) target += "&rank=" + std::to_string(query.rank);
    return client.getJson(target);
  };
  long long since = 0;
  bool last_round = false;
  while (true) {
    const json chunk = chunkFrom(since);
    if (attempt == 0) attempt = chunk.value("attempt", 0);
    o.out << chunk.value("text", "");
    o.out.flush();
    since = chunk.value("next_bytes", since);
    if (chunk.value("truncated", false)) continue;
    if (!query.follow || last_round) return 0;
    const json job = client.getJson(base);
    // A newer attempt started (a restart, relaunch or the operator's): follow it, unless
    // this one was asked for by number.
    if (query.attempt == 0 && job.value("attempt", attempt) > attempt) {
      attempt = job.value("attempt", attempt);
      since = 0;
      o.out << "--- cogctl: attempt " << attempt << " of job " << query.job << " ---\n";
      continue;
    }
    last_round = ended(job);
    if (!last_round) std::this_thread::sleep_for(kPollInterval);
  }
}

}  // namespace cog::ctl
