#pragma once
// cogctl's subcommands, each a REST conversation with the coordinator. They print tables for
// people or the coordinator's JSON (`json`), and return an exit code (ctl_error.hpp); errors
// are thrown as CtlError.
#include <ostream>
#include <string>
#include <vector>

#include "coordinator/ctl/rest_client.hpp"

namespace cog::ctl {

struct Output {
  std::ostream& out;
  bool json = false;
};

// Reading (read_commands.cpp)
int showStatus(const RestClient& client, const Output& o);
int showJobs(const RestClient& client, const Output& o);
int showJob(const RestClient& client, const std::string& job, const Output& o);

// Metrics of one job, every page; `names` empty = every scalar. `csv` writes one row per
// step with a column per name, for spreadsheets and plotting tools (metrics_command.cpp).
struct MetricsQuery {
  std::string job;
  std::vector<std::string> names;
  bool validations = false;  // the validation scalars instead of the training ones
  bool csv = false;
};
int showMetrics(const RestClient& client, const MetricsQuery& query, const Output& o);

// Following (follow_commands.cpp): with `follow`, poll once a second until the job (events:
// every job) has ended and nothing more arrives, or Ctrl-C.
struct EventsQuery {
  std::string job;  // "" = every job
  bool follow = false;
};
int showEvents(const RestClient& client, const EventsQuery& query, const Output& o);

struct LogsQuery {
  std::string job;
  int attempt = 0;  // 0 = the newest, and with `follow` each new one as it starts
  int rank = -1;    // -1 = every rank together
  bool follow = false;
};
int showLogs(const RestClient& client, const LogsQuery& query, const Output& o);

// Sweeps (sweep_commands.cpp): `sweep` "" = the running sweeps, else that sweep's trials.
int showSweeps(const RestClient& client, const std::string& sweep, const Output& o);

// Acting (act_commands.cpp); each needs the token.
int stopJob(const RestClient& client, const std::string& job, const Output& o);
int stopExperiment(const RestClient& client, const std::string& experiment, const Output& o);
int checkpointJob(const RestClient& client, const std::string& job, const Output& o);
int relaunchJob(const RestClient& client, const std::string& job, const std::vector<std::string>& overrides,
                const std::string& checkpoint, const Output& o);

}  // namespace cog::ctl
