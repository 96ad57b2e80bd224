#pragma once
// Where cogctl finds the coordinator and its token, first match wins:
//   1. --url / --token
//   2. --state-dir DIR: the address the coordinator bound (DIR/coordinator.json) and DIR/api_token
//   3. the environment: COG_URL, COG_TOKEN, or COG_STATE_DIR (as 2)
//   4. http://127.0.0.1:8080 (the experiments' default), no token
// A token given by a higher source is kept when the address comes from a lower one.
#include <string>

#include "coordinator/ctl/rest_client.hpp"

namespace cog::ctl {

struct TargetFlags {
  std::string url;
  std::string token;
  std::string state_dir;
};

// Reads the environment and files; throws CtlError(kUsage) naming the file or value at fault.
CtlTarget resolveTarget(const TargetFlags& flags);

// "http://host:port", "host:port" or "host:port/" -> host and port.
void parseUrl(const std::string& url, CtlTarget& into);

}  // namespace cog::ctl
