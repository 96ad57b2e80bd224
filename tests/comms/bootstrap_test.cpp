// rankInfoFromEnvironment over plain maps: each launcher's variables, and the bad values a
// misconfigured job script produces.
#include "comms/bootstrap.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "common/error.hpp"

namespace cog::comms {
namespace {

using Env = std::map<std::string, std::string>;

RankInfo fromEnv(const Env& env) {
  return rankInfoFromEnvironment([&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

// Returns the CommsError's message, or fails the test if none is thrown.
std::string errorFrom(const Env& env) {
  try {
    fromEnv(env);
  } catch (const CommsError& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected a CommsError";
  return "";
}

void expectInfo(const RankInfo& info, int rank, int size, int local_rank, int local_size) {
  EXPECT_EQ(info.rank, rank);
  EXPECT_EQ(info.size, size);
  EXPECT_EQ(info.local_rank, local_rank);
  EXPECT_EQ(info.local_size, local_size);
}

const Env kOpenMpi{{"OMPI_COMM_WORLD_RANK", "3"},
                   {"OMPI_COMM_WORLD_SIZE", "4"},
                   {"OMPI_COMM_WORLD_LOCAL_RANK", "1"},
                   {"OMPI_COMM_WORLD_LOCAL_SIZE", "2"}};

TEST(CommsBootstrap, NoLauncherIsAWorldOfOne) { expectInfo(fromEnv({}), 0, 1, 0, 1); }

TEST(CommsBootstrap, OpenMpi) { expectInfo(fromEnv(kOpenMpi), 3, 4, 1, 2); }

TEST(CommsBootstrap, OpenMpiWinsOverTheSlurmAllocationAroundIt) {
  Env env = kOpenMpi;
  env.insert({{"SLURM_PROCID", "0"},
              {"SLURM_NTASKS", "1"},
              {"SLURM_LOCALID", "0"},
              {"SLURM_TASKS_PER_NODE", "1"}});
  expectInfo(fromEnv(env), 3, 4, 1, 2);
}

TEST(CommsBootstrap, SlurmWithNtasksPerNode) {
  expectInfo(fromEnv({{"SLURM_PROCID", "5"},
                      {"SLURM_NTASKS", "8"},
                      {"SLURM_LOCALID", "1"},
                      {"SLURM_NTASKS_PER_NODE", "4"}}),
             5, 8, 1, 4);
}

TEST(CommsBootstrap, SlurmTasksPerNodeCompressedRuns) {
  Env env{{"SLURM_PROCID", "5"},
          {"SLURM_NTASKS", "6"},
          {"SLURM_LOCALID", "1"},
          {"SLURM_TASKS_PER_NODE", "2(x3)"},
          {"SLURM_NODEID", "2"}};
  expectInfo(fromEnv(env), 5, 6, 1, 2);
  env["SLURM_NODEID"] = "0";  // every node of a run has the same count
  expectInfo(fromEnv(env), 5, 6, 1, 2);
}

TEST(CommsBootstrap, SlurmTasksPerNodePicksThisNodesEntry) {
  Env env{{"SLURM_PROCID", "6"},
          {"SLURM_NTASKS", "7"},
          {"SLURM_LOCALID", "0"},
          {"SLURM_TASKS_PER_NODE", "2(x3),1"},
          {"SLURM_NODEID", "3"}};
  expectInfo(fromEnv(env), 6, 7, 0, 1);
  env.erase("SLURM_NODEID");  // without a node id, the first node's entry
  env["SLURM_PROCID"] = "1";
  env["SLURM_LOCALID"] = "1";
  expectInfo(fromEnv(env), 1, 7, 1, 2);
}

TEST(CommsBootstrap, NonNumbersNameTheVariableAndValue) {
  Env env = kOpenMpi;
  env["OMPI_COMM_WORLD_RANK"] = "abc";
  EXPECT_NE(errorFrom(env).find("OMPI_COMM_WORLD_RANK = 'abc'"), std::string::npos);
  env = kOpenMpi;
  env["OMPI_COMM_WORLD_SIZE"] = "-4";
  EXPECT_NE(errorFrom(env).find("OMPI_COMM_WORLD_SIZE = '-4'"), std::string::npos);
  env = kOpenMpi;
  env["OMPI_COMM_WORLD_LOCAL_SIZE"] = "";
  EXPECT_NE(errorFrom(env).find("OMPI_COMM_WORLD_LOCAL_SIZE = ''"), std::string::npos);
}

TEST(CommsBootstrap, RankNotBelowSizeIsAnError) {
  Env env = kOpenMpi;
  env["OMPI_COMM_WORLD_RANK"] = "4";
  EXPECT_NE(errorFrom(env).find("OMPI_COMM_WORLD_RANK = 4 is not below OMPI_COMM_WORLD_SIZE = 4"),
            std::string::npos);
  env = kOpenMpi;
  env["OMPI_COMM_WORLD_LOCAL_RANK"] = "2";
  EXPECT_NE(errorFrom(env).find("OMPI_COMM_WORLD_LOCAL_RANK = 2 is not below"), std::string::npos);
  env = kOpenMpi;
  env["OMPI_COMM_WORLD_LOCAL_SIZE"] = "5";
  EXPECT_NE(errorFrom(env).find("OMPI_COMM_WORLD_LOCAL_SIZE = 5 exceeds"), std::string::npos);
  env = kOpenMpi;
  env["OMPI_COMM_WORLD_SIZE"] = "0";
  EXPECT_NE(errorFrom(env).find("OMPI_COMM_WORLD_SIZE = 0"), std::string::npos);
}

TEST(CommsBootstrap, MissingCompanionVariableIsNamed) {
  Env env = kOpenMpi;
  env.erase("OMPI_COMM_WORLD_SIZE");
  EXPECT_NE(errorFrom(env).find("OMPI_COMM_WORLD_SIZE is not set"), std::string::npos);
  EXPECT_NE(errorFrom({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}, {"SLURM_LOCALID", "0"}})
                .find("SLURM_TASKS_PER_NODE is not set"),
            std::string::npos);
}

TEST(CommsBootstrap, MalformedSlurmTasksPerNode) {
  Env env{{"SLURM_PROCID", "0"},
          {"SLURM_NTASKS", "6"},
          {"SLURM_LOCALID", "0"},
          {"SLURM_TASKS_PER_NODE", "2(x3"}};
  EXPECT_NE(errorFrom(env).find("SLURM_TASKS_PER_NODE = '2(x3'"), std::string::npos);
  env["SLURM_TASKS_PER_NODE"] = "2(x3)";
  env["SLURM_NODEID"] = "3";
  EXPECT_NE(errorFrom(env).find("lists 3 nodes, but SLURM_NODEID = 3"), std::string::npos);
  env["SLURM_NODEID"] = "x";
  EXPECT_NE(errorFrom(env).find("SLURM_NODEID = 'x'"), std::string::npos);
}

}  // namespace
}  // namespace cog::comms
