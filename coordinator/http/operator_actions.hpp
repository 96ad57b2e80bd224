#pragma once
// What the mutating REST routes ask of the coordinator: the seam between the socket-free
// RestHandler and the job supervisors. The coordinator implements it (coordinator_operator.cpp);
// tests use a fake. Each call returns what was done, in words, or throws OperatorError.
#include <string>
#include <vector>

#include "common/error.hpp"

namespace cog::coord {

class OperatorError : public Error {
 public:
  enum class Kind { kNotFound, kConflict, kBadRequest };
  OperatorError(Kind kind, const std::string& detail) : Error(detail), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

class OperatorActions {
 public:
  virtual ~OperatorActions() = default;
  // `who` names the operator for the record ("operator via REST from 127.0.0.1").
  virtual std::string stopJob(const std::string& job, const std::string& who) = 0;
  virtual std::string checkpointJob(const std::string& job, const std::string& who) = 0;
  // `checkpoint`: a path or name of one of the job's checkpoints; "" = the newest healthy.
  virtual std::string relaunchJob(const std::string& job, const std::vector<std::string>& overrides,
                                  const std::string& checkpoint, const std::string& who) = 0;
  virtual std::string stopExperiment(const std::string& experiment, const std::string& who) = 0;
};

}  // namespace cog::coord
