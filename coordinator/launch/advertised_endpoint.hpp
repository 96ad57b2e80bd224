#pragma once
// The wire endpoint workers are told to dial (COG_COORDINATOR). The coordinator binds
// `coordinator.wire`; on a cluster that is every interface (tcp://*:5555) and workers on
// other nodes need a name of this host instead: `coordinator.advertise`, or this machine's
// hostname when the bound address is a wildcard.
#include <string>

namespace cog::coord {

// `bound` is the endpoint the ROUTER reports (tcp://0.0.0.0:41234); ipc:// endpoints pass
// through unchanged. Throws ConfigError when the advertised host does not resolve here (a
// worker elsewhere could not resolve it either, and would only time out).
std::string advertisedEndpoint(const std::string& bound, const std::string& advertise);

}  // namespace cog::coord
