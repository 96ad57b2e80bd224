// makeCollective's choices and errors, and the argument rules every backend shares. These
// run as a plain process: a world of one needs no launcher.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <string>

#include "common/error.hpp"
#include "comms/collective.hpp"

namespace cog::comms {
namespace {

bool compiledIn(const std::string& backend) {
  const auto names = compiledBackends();
  return std::find(names.begin(), names.end(), backend) != names.end();
}

template <typename ErrorType>
std::string messageOf(const CollectiveOptions& options, const RankInfo& rank,
                      const torch::Device& device) {
  try {
    makeCollective(options, rank, device);
  } catch (const ErrorType& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected an error for comms.backend = " << options.backend << " on " << device;
  return "";
}

CollectiveOptions withBackend(const std::string& backend) {
  CollectiveOptions options;
  options.backend = backend;
  return options;
}

TEST(CommsFactory, AlwaysCompilesSingleAndMpi) {
  EXPECT_TRUE(compiledIn("single"));
  EXPECT_TRUE(compiledIn("mpi"));
}

TEST(CommsFactory, UnknownBackendIsAConfigError) {
  EXPECT_NE(messageOf<ConfigError>(withBackend("gloo"), RankInfo{}, torch::kCPU)
                .find("comms.backend = gloo: expected auto, mpi or nccl"),
            std::string::npos);
}

TEST(CommsFactory, NcclOnACpuDeviceIsAConfigError) {
  EXPECT_NE(messageOf<ConfigError>(withBackend("nccl"), RankInfo{}, torch::kCPU)
                .find("comms.backend = nccl: NCCL reduces CUDA tensors, but the device is cpu"),
            std::string::npos);
}

TEST(CommsFactory, MpiOnACudaDeviceIsAConfigError) {
  EXPECT_NE(messageOf<ConfigError>(withBackend("mpi"), RankInfo{}, torch::Device("cuda:0"))
                .find("comms.backend = mpi reduces CPU tensors"),
            std::string::npos);
}

TEST(CommsFactory, NonPositiveTimeoutIsAConfigError) {
  CollectiveOptions options;
  options.timeout = std::chrono::milliseconds(0);
  EXPECT_NE(messageOf<ConfigError>(options, RankInfo{}, torch::kCPU).find("comms.timeout_ms = 0"),
            std::string::npos);
}

// Either build must refuse loudly: without NCCL compiled in it is a ConfigError saying so;
// with it, this machine has no GPU and constructing the backend is a CommsError from CUDA.
TEST(CommsFactory, NcclWithoutNcclOrGpuFailsLoudly) {
  const auto options = withBackend("nccl");
  const torch::Device cuda("cuda:0");
  if (!compiledIn("nccl")) {
    EXPECT_NE(messageOf<ConfigError>(options, RankInfo{}, cuda).find("not compiled"),
              std::string::npos);
  } else {
    EXPECT_NE(messageOf<CommsError>(options, RankInfo{}, cuda).find("cudaGetDeviceCount"),
              std::string::npos);
  }
}

TEST(CommsFactory, AutoWithAWorldOfOneNeedsNoMpi) {
  auto collective = makeCollective(CollectiveOptions{}, RankInfo{}, torch::kCPU);
  EXPECT_EQ(collective->backendName(), "single");
  EXPECT_EQ(collective->rank(), 0);
  EXPECT_EQ(collective->size(), 1);
}

// An explicitly named backend is built even for one rank (MPI starts as a singleton).
TEST(CommsFactory, ExplicitMpiWithAWorldOfOneIsMpi) {
  auto collective = makeCollective(withBackend("mpi"), RankInfo{}, torch::kCPU);
  EXPECT_EQ(collective->backendName(), "mpi");
  auto tensor = torch::arange(5, torch::kFloat);
  collective->allreduce(tensor, ReduceOp::kSum);
  EXPECT_TRUE(tensor.equal(torch::arange(5, torch::kFloat)));
  collective->allreduce(tensor, ReduceOp::kAvg);
  EXPECT_TRUE(tensor.equal(torch::arange(5, torch::kFloat)));
  collective->barrier();
}

TEST(CommsFactory, InvalidRankIsACommsError) {
  EXPECT_NE(messageOf<CommsError>(CollectiveOptions{}, RankInfo{2, 2, 0, 1}, torch::kCPU)
                .find("rank 2 of a world of 2"),
            std::string::npos);
}

}  // namespace
}  // namespace cog::comms
