#include "coordinator/ctl/ctl_target.hpp"

#include <cstdlib>
#include <fstream>
#include <cctype>
#include <filesystem>

#include "common/error.hpp"
#include "coordinator/ctl/ctl_error.hpp"
#include "coordinator/state_dir.hpp"

namespace cog::ctl {
namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

std::string readToken(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return "";
  std::string token;
  std::getline(in, token);
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  return token;
}

// The address comes from coordinator.json (what the coordinator really bound, port 0
// resolved); the token from api_token, when this user may read it.
void fromStateDir(const std::string& dir, CtlTarget& target, bool want_address) {
  const coord::StateDir state{dir};
  if (!std::filesystem::is_directory(state.root)) {
    throw CtlError(ExitCode::kUsage, "state dir " + dir + " does not exist");
  }
  if (want_address) {
    coord::CoordinatorEndpoints endpoints;
    try {
      endpoints = coord::readEndpoints(state);
    } catch (const cog::ConfigError& e) {
      throw CtlError(ExitCode::kUsage, std::string(e.what()) + " (is it a cogcoord state dir?)");
    }
    if (endpoints.http.empty()) {
      throw CtlError(ExitCode::kUsage, state.endpointsFile().string() + " says the coordinator serves no REST API (--http off)");
    }
    parseUrl(endpoints.http, target);
    target.source = state.endpointsFile().string();
  }
  if (target.token.empty()) target.token = readToken(state.tokenFile());
}

}  // namespace

void parseUrl(const std::string& url, CtlTarget& into) {
  std::string rest = url;
  const std::string scheme = "http://";
  if (rest.rfind(scheme, 0) == 0) rest = rest.substr(scheme.size());
  if (rest.find("://") != std::string::npos) {
    throw CtlError(ExitCode::kUsage, "url '" + url + "': only http:// is served by cogcoord");
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find('/') != std::string::npos) {
    throw CtlError(ExitCode::kUsage, "url '" + url + "' has a path: give only http://host:port");
  }
  const size_t colon = rest.rfind(':');
  std::string host = colon == std::string::npos ? rest : rest.substr(0, colon);
  std::string port = colon == std::string::npos ? "80" : rest.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty() || port.empty() || port.find_first_not_of("0123456789") != std::string::npos) {
    throw CtlError(ExitCode::kUsage, "url '" + url + "' is not http://host:port");
  }
  // A coordinator bound to every interface is reached on loopback from its own machine.
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  into.host = host;
  into.port = port;
}

CtlTarget resolveTarget(const TargetFlags& flags) {
  CtlTarget target;
  target.token = flags.token;
  if (!flags.url.empty()) {
    parseUrl(flags.url, target);
    target.source = "--url";
    if (!flags.state_dir.empty()) fromStateDir(flags.state_dir, target, /*want_address=*/false);
  } else if (!flags.state_dir.empty()) {
    fromStateDir(flags.state_dir, target, /*want_address=*/true);
  } else if (!env("COG_URL").empty()) {
    parseUrl(env("COG_URL"), target);
    target.source = "COG_URL";
  } else if (!env("COG_STATE_DIR").empty()) {
    fromStateDir(env("COG_STATE_DIR"), target, /*want_address=*/true);
  }
  if (target.token.empty()) target.token = env("COG_TOKEN");
  if (target.token.empty() && !env("COG_STATE_DIR").empty() && flags.state_dir.empty()) {
    fromStateDir(env("COG_STATE_DIR"), target, /*want_address=*/false);
  }
  return target;
}

}  // namespace cog::ctl
