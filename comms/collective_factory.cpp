// makeCollective(): the one place a backend is chosen (STYLE.md rule 2), and the only file
// outside comms/nccl/ that knows whether NCCL was compiled in.
#include <sstream>
#include <string>

#include "common/error.hpp"
#include "comms/collective.hpp"
#include "comms/mpi/mpi_collective.hpp"
#include "comms/single_process_collective.hpp"
#if COG_HAVE_NCCL
#include "comms/nccl/nccl_collective.hpp"
#endif

namespace cog::comms {
namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

std::unique_ptr<Collective> makeNccl(const CollectiveOptions& options, const RankInfo& rank,
                                     const torch::Device& device) {
  if (!device.is_cuda())
    throw ConfigError("comms.backend = " + options.backend +
                      ": NCCL reduces CUDA tensors, but "
                      "the device is " +
                      device.str());
#if COG_HAVE_NCCL
  // Without an explicit index, one GPU per local rank (the usual one-rank-per-GPU launch).
  const int device_index = device.has_index() ? device.index() : rank.local_rank;
  return std::make_unique<NcclCollective>(options, rank, device_index);
#else
  throw ConfigError("comms.backend = " + options.backend +
                    " needs NCCL, which was not compiled "
                    "into this build (compiled backends: " +
                    joined(compiledBackends()) +
                    "; rebuild with nccl.h and libnccl found and COG_WITH_NCCL=ON)");
#endif
}

}  // namespace

std::vector<std::string> compiledBackends() {
#if COG_HAVE_NCCL
  return {"single", "mpi", "nccl"};
#else
  return {"single", "mpi"};
#endif
}

void checkCollectiveTensor(const torch::Tensor& tensor, const char* what, ReduceOp op) {
  if (!tensor.defined()) throw CommsError(std::string(what) + " of an undefined tensor");
  if (!tensor.is_contiguous()) {
    std::ostringstream os;
    os << what << " needs a contiguous tensor, got sizes " << tensor.sizes() << " strides "
       << tensor.strides();
    throw CommsError(os.str());
  }
  if (op == ReduceOp::kAvg && !c10::isFloatingType(tensor.scalar_type()))
    throw CommsError(std::string(what) + " average of dtype " +
                     c10::toString(tensor.scalar_type()) +
                     ": an integer average would round; reduce with sum and divide where the "
                     "rounding is chosen");
}

std::unique_ptr<Collective> makeCollective(const CollectiveOptions& options, const RankInfo& rank,
                                           const torch::Device& device) {
  const std::string& backend = options.backend;
  if (backend != "auto" && backend != "mpi" && backend != "nccl")
    throw ConfigError("comms.backend = " + backend +
                      ": expected auto, mpi or nccl (this build "
                      "has " +
                      joined(compiledBackends()) + ")");
  if (options.timeout.count() <= 0)
    throw ConfigError("comms.timeout_ms = " + std::to_string(options.timeout.count()) +
                      ": expected a positive number of milliseconds");
  if (rank.size < 1 || rank.rank < 0 || rank.rank >= rank.size)
    throw CommsError("rank " + std::to_string(rank.rank) + " of a world of " +
                     std::to_string(rank.size) + " is not a valid position");
  if (backend == "nccl") return makeNccl(options, rank, device);
  if (backend == "mpi") {
    if (!device.is_cpu())
      throw ConfigError("comms.backend = mpi reduces CPU tensors, but the device is " +
                        device.str() + " (use auto or nccl)");
    return std::make_unique<MpiCollective>(options, rank);
  }
  // auto: a world of one needs no launcher and no MPI.
  if (rank.size == 1) return std::make_unique<SingleProcessCollective>();
  if (device.is_cuda()) return makeNccl(options, rank, device);
  if (!device.is_cpu())
    throw ConfigError("comms.backend = auto: no backend reduces tensors on " + device.str());
  return std::make_unique<MpiCollective>(options, rank);
}

}  // namespace cog::comms
