#pragma once
// cogctl's exit codes: a script can tell "the coordinator is gone" from "no such job" from
// "not allowed" without parsing messages. Listed in `cogctl --help`.
#include <stdexcept>
#include <string>

namespace cog::ctl {

enum class ExitCode : int {
  kOk = 0,
  kFailure = 1,      // the coordinator answered with an error of its own (5xx) or nonsense
  kUsage = 2,        // bad arguments, or a request the coordinator called malformed (400)
  kUnreachable = 3,  // no coordinator answered at the address
  kNotFound = 4,     // no such job / experiment / attempt / rank (404)
  kRefused = 5,      // missing or wrong token (401 / 403)
  kConflict = 6,     // the job's state does not allow it now (409), e.g. stopping an ended job
};

const char* const kExitCodeHelp =
    "Exit codes: 0 done; 1 coordinator error; 2 usage or bad request; 3 coordinator unreachable; "
    "4 not found; 5 token missing or wrong; 6 not possible in the job's state.";

class CtlError : public std::runtime_error {
 public:
  CtlError(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

}  // namespace cog::ctl
