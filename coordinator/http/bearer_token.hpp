#pragma once
// The secret the mutating REST routes require ("Authorization: Bearer <token>"). Generated at
// the coordinator's first start into the state dir, mode 0600, unless the operator gives one;
// `cogctl` reads it from there. Compared in constant time, so the time a wrong guess takes
// says nothing about how much of it was right.
#include <filesystem>
#include <string>
#include <string_view>

namespace cog::coord {

// 32 random bytes from the kernel (getrandom), as 64 hex digits.
std::string generateToken();

// The token in `file` (whitespace trimmed); if the file does not exist, a new token is
// generated and written there with mode 0600. Throws ConfigError naming the file when it
// cannot be read or written, is empty, or can be read by others (group/other bits set).
std::string readOrCreateToken(const std::filesystem::path& file);

// a == b, in time that depends on the lengths only.
bool constantTimeEqual(std::string_view a, std::string_view b);

// The token of an "Authorization: Bearer <token>" value ("" when it is not one).
std::string_view bearerToken(std::string_view authorization);

}  // namespace cog::coord
