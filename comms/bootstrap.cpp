#include "comms/bootstrap.hpp"

#include <cstdlib>

#include <climits>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace cog::comms {
namespace {

std::string quoted(const char* name, const char* value) {
  return std::string(name) + " = '" + value + "'";
}

int parseCount(const char* name, const char* value) {
  std::string text(value);
  if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos)
    throw CommsError(quoted(name, value) + ": expected a non-negative integer");
  return std::stoi(text);
}

const char* required(const EnvironmentLookup& getenv, const char* name, const char* because) {
  const char* value = getenv(name);
  if (value == nullptr)
    throw CommsError(std::string(name) + " is not set, but " + because +
                     " is: the launcher's "
                     "environment is incomplete");
  return value;
}

int requiredCount(const EnvironmentLookup& getenv, const char* name, const char* because) {
  return parseCount(name, required(getenv, name, because));
}

// SLURM_TASKS_PER_NODE lists tasks per node in node order, runs compressed: "2(x3),1" means
// three nodes with 2 tasks, then one node with 1. Returns the entry for node `node`.
int tasksOnNode(const char* value, int node) {
  const std::string text(value);
  int seen = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    const std::string item = text.substr(pos, comma - pos);
    const size_t paren = item.find("(x");
    int tasks = 0;
    int repeat = 1;
    try {
      if (paren == std::string::npos) {
        tasks = parseCount("SLURM_TASKS_PER_NODE", item.c_str());
      } else {
        if (item.back() != ')') throw CommsError("missing ')'");
        tasks = parseCount("SLURM_TASKS_PER_NODE", item.substr(0, paren).c_str());
        repeat = parseCount("SLURM_TASKS_PER_NODE",
                            item.substr(paren + 2, item.size() - paren - 3).c_str());
      }
    } catch (const CommsError&) {
      throw CommsError(quoted("SLURM_TASKS_PER_NODE", value) +
                       ": expected a list like '2(x3),1' (tasks per node, (xN) repeats)");
    }
    if (node < seen + repeat) return tasks;
    seen += repeat;
    pos = comma + 1;
  }
  throw CommsError(quoted("SLURM_TASKS_PER_NODE", value) + " lists " + std::to_string(seen) +
                   " nodes, but SLURM_NODEID = " + std::to_string(node));
}

void checkBelow(const char* what_name, int what, const char* bound_name, int bound) {
  if (what >= bound)
    throw CommsError(std::string(what_name) + " = " + std::to_string(what) + " is not below " +
                     bound_name + " = " + std::to_string(bound));
}

void checkConsistent(const RankInfo& info, const char* rank, const char* size,
                     const char* local_rank, const char* local_size) {
  if (info.size < 1) throw CommsError(std::string(size) + " = 0: a job has at least one rank");
  if (info.local_size < 1)
    throw CommsError(std::string(local_size) + " = 0: a node runs at least one rank");
  checkBelow(rank, info.rank, size, info.size);
  checkBelow(local_rank, info.local_rank, local_size, info.local_size);
  if (info.local_size > info.size)
    throw CommsError(std::string(local_size) + " = " + std::to_string(info.local_size) +
                     " exceeds " + size + " = " + std::to_string(info.size));
}

RankInfo fromOpenMpi(const EnvironmentLookup& getenv) {
  const char* because = "OMPI_COMM_WORLD_RANK";
  RankInfo info;
  info.rank = parseCount("OMPI_COMM_WORLD_RANK", getenv("OMPI_COMM_WORLD_RANK"));
  info.size = requiredCount(getenv, "OMPI_COMM_WORLD_SIZE", because);
  info.local_rank = requiredCount(getenv, "OMPI_COMM_WORLD_LOCAL_RANK", because);
  info.local_size = requiredCount(getenv, "OMPI_COMM_WORLD_LOCAL_SIZE", because);
  checkConsistent(info, "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE",
                  "OMPI_COMM_WORLD_LOCAL_RANK", "OMPI_COMM_WORLD_LOCAL_SIZE");
  return info;
}

RankInfo fromSlurm(const EnvironmentLookup& getenv) {
  const char* because = "SLURM_PROCID";
  RankInfo info;
  info.rank = parseCount("SLURM_PROCID", getenv("SLURM_PROCID"));
  info.size = requiredCount(getenv, "SLURM_NTASKS", because);
  info.local_rank = requiredCount(getenv, "SLURM_LOCALID", because);
  const char* local_size_name = "SLURM_NTASKS_PER_NODE";
  if (const char* per_node = getenv("SLURM_NTASKS_PER_NODE")) {
    info.local_size = parseCount("SLURM_NTASKS_PER_NODE", per_node);
  } else {
    local_size_name = "SLURM_TASKS_PER_NODE";
    const char* node_text = getenv("SLURM_NODEID");
    const int node = node_text ? parseCount("SLURM_NODEID", node_text) : 0;
    info.local_size = tasksOnNode(required(getenv, "SLURM_TASKS_PER_NODE", because), node);
  }
  checkConsistent(info, "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID", local_size_name);
  return info;
}

}  // namespace

RankInfo rankInfoFromEnvironment(const EnvironmentLookup& getenv) {
  if (getenv("OMPI_COMM_WORLD_RANK") != nullptr) return fromOpenMpi(getenv);
  if (getenv("SLURM_PROCID") != nullptr) return fromSlurm(getenv);
  return RankInfo{};
}

void applyMpiTuningDefaults() {
  ::setenv("OMPI_MCA_coll_libnbc_iallreduce_algorithm", "1", /*overwrite=*/0);
}

}  // namespace cog::comms
