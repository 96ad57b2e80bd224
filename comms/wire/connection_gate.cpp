#include "comms/wire/connection_gate.hpp"

#include <algorithm>

namespace cog::wire {

bool ConnectionGate::admit() {
  if (open() <= max_) return true;
  refused_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

// Never below 0: a close may be seen before its accept only if the monitor lost events.
int64_t ConnectionGate::open() const { return std::max<int64_t>(0, open_.load(std::memory_order_relaxed)); }

}  // namespace cog::wire
