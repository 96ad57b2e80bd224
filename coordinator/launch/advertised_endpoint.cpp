#include "coordinator/launch/advertised_endpoint.hpp"

#include <netdb.h>
#include <unistd.h>

#include "common/error.hpp"

namespace cog::coord {

std::string advertisedEndpoint(const std::string& bound, const std::string& advertise) {
  const std::string scheme = "tcp://";
  if (bound.rfind(scheme, 0) != 0) return bound;
  const auto colon = bound.rfind(':');
  if (colon == std::string::npos || colon < scheme.size()) return bound;
  const std::string host = bound.substr(scheme.size(), colon - scheme.size());
  std::string advertised = advertise;
  if (advertised.empty()) {
    if (host != "0.0.0.0" && host != "*" && host != "[::]") return bound;
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0) {
      throw ConfigError("coordinator.wire binds every interface and this host has no name: set coordinator.advertise");
    }
    advertised = name;
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(advertised.c_str(), nullptr, &hints, &found);
  if (found != nullptr) ::freeaddrinfo(found);
  if (rc != 0) {
    throw ConfigError("coordinator.advertise = " + advertised + ": does not resolve (" + ::gai_strerror(rc) +
                      "); workers could not reach the coordinator by that name");
  }
  return scheme + advertised + bound.substr(colon);
}

}  // namespace cog::coord
