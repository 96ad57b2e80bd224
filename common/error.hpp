#pragma once
// Error kinds thrown inside Cog's libraries. Process entry points (main files) catch
// cog::Error, print its one-line message and map it to an exit code; library code never
// calls exit() and never uses assert to validate input (STYLE.md rule 5).
#include <stdexcept>
#include <string>

namespace cog {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A configuration file, key or value is wrong; the message names file, key path and value.
class ConfigError : public Error {
 public:
  using Error::Error;
};

// A dataset, tokenizer file or other input the user pointed at is unreadable or malformed.
class DataError : public Error {
 public:
  using Error::Error;
};

// A collective, rendezvous or socket operation failed or timed out.
class CommsError : public Error {
 public:
  using Error::Error;
};

// A checkpoint could not be written, or failed verification on load.
class CheckpointError : public Error {
 public:
  using Error::Error;
};

// An internal invariant was violated: a bug in Cog, not a user mistake.
class InvariantError : public Error {
 public:
  using Error::Error;
};

}  // namespace cog
