#pragma once
// Which records are held out for validation, and which survive a cap. Both are decided
// per record from a hash of its text, never from its position: the split does not move
// when a file is reordered or a cap changes, and exact duplicate texts — also across
// sources — always land on the same side, so validation never contains a training text.
#include <cstdint>
#include <string_view>

namespace cog::data {

// True iff the record with this text() belongs to validation: its hash, mixed with the
// data seed, maps below `fraction` in [0, 1).
bool isHeldOut(std::string_view text, uint64_t seed, double fraction);

// Sort key for caps: a source keeps its `cap` records with the smallest keys. Salted
// differently from isHeldOut so a cap does not pick mostly validation records.
uint64_t capKey(std::string_view text, uint64_t seed);

}  // namespace cog::data
