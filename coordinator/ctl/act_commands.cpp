// cogctl stop / checkpoint / relaunch: one POST each, with the token.
#include "coordinator/ctl/commands.hpp"

namespace cog::ctl {
using nlohmann::json;

namespace {

int report(const json& reply, const Output& o) {
  if (o.json) {
    o.out << reply.dump(2) << "\n";
  } else {
    o.out << reply.value("accepted", std::string("accepted")) << "\n";
  }
  return 0;
}

}  // namespace

int stopJob(const RestClient& client, const std::string& job, const Output& o) {
  return report(client.postJson("/api/v1/jobs/" + urlEncode(job) + "/stop", ""), o);
}

int stopExperiment(const RestClient& client, const std::string& experiment, const Output& o) {
  return report(client.postJson("/api/v1/experiments/" + urlEncode(experiment) + "/stop", ""), o);
}

int checkpointJob(const RestClient& client, const std::string& job, const Output& o) {
  return report(client.postJson("/api/v1/jobs/" + urlEncode(job) + "/checkpoint", ""), o);
}

int relaunchJob(const RestClient& client, const std::string& job, const std::vector<std::string>& overrides,
                const std::string& checkpoint, const Output& o) {
  json body = {{"overrides", overrides}};
  if (!checkpoint.empty()) body["checkpoint"] = checkpoint;
  return report(client.postJson("/api/v1/jobs/" + urlEncode(job) + "/relaunch", body.dump()), o);
}

}  // namespace cog::ctl
