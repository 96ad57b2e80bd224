#include "comms/nccl/nccl_collective.hpp"

#include <string>

#include "common/error.hpp"
#include "comms/nccl/nccl_check.hpp"

namespace cog::comms {
namespace {

ncclDataType_t ncclDatatype(c10::ScalarType dtype, const char* what) {
  switch (dtype) {
    case c10::ScalarType::Float:
      return ncclFloat32;
    case c10::ScalarType::Double:
      return ncclFloat64;
    case c10::ScalarType::BFloat16:
      return ncclBfloat16;
    case c10::ScalarType::Half:
      return ncclFloat16;
    case c10::ScalarType::Int:
      return ncclInt32;
    case c10::ScalarType::Long:
      return ncclInt64;
    case c10::ScalarType::Byte:
      return ncclUint8;
    default:
      throw CommsError(std::string(what) + " of dtype " + c10::toString(dtype) +
                       ": the nccl backend handles float32, float64, bfloat16, float16, int32, "
                       "int64 and uint8");
  }
}

std::string describe(const char* op, const torch::Tensor& tensor) {
  return std::string(op) + " of " + std::to_string(tensor.nbytes()) + " bytes";
}

int selectDevice(int device, const RankInfo& rank) {
  int devices = 0;
  cudaCheck(cudaGetDeviceCount(&devices),
            "cudaGetDeviceCount (rank " + std::to_string(rank.rank) + " looking for its GPU)");
  if (device < 0 || device >= devices)
    throw CommsError("rank " + std::to_string(rank.rank) + " (local rank " +
                     std::to_string(rank.local_rank) + ") needs CUDA device " +
                     std::to_string(device) + ", but this node has " + std::to_string(devices));
  cudaCheck(cudaSetDevice(device), "cudaSetDevice(" + std::to_string(device) + ")");
  return device;
}

}  // namespace

NcclCollective::NcclCollective(const CollectiveOptions& options, const RankInfo& rank, int device)
    : device_(selectDevice(device, rank)),
      bootstrap_(options, rank),
      state_(std::make_shared<NcclCommState>()) {
  state_->device = device_;
  state_->rank = rank.rank;
  state_->size = rank.size;
  state_->options = options;
  try {
    // Non-blocking: a blocking stream would serialise with the legacy default stream and
    // stall the backward kernels queued behind a reduction.
    cudaCheck(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
    cudaCheck(cudaEventCreateWithFlags(&ready_, cudaEventDisableTiming), "cudaEventCreate");

    ncclUniqueId id{};
    if (rank.rank == 0) ncclCheck(ncclGetUniqueId(&id), "ncclGetUniqueId");
    bootstrap_.broadcast(torch::from_blob(&id, {static_cast<int64_t>(sizeof id)}, torch::kUInt8),
                         0);
    ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
    config.blocking = 0;
    ncclCheck(ncclCommInitRankConfig(&state_->comm, rank.size, id, rank.rank, &config),
              "ncclCommInitRankConfig", state_->comm);
    state_->settle("NCCL communicator setup");
  } catch (const std::exception& error) {
    if (state_->comm != nullptr && !state_->failure) ncclCommAbort(state_->comm);
    state_->comm = nullptr;
    releaseCuda();
    bootstrap_.markFailed(std::string("NCCL setup failed: ") + error.what());
    throw;
  }
}

NcclCollective::~NcclCollective() {
  try {
    cudaSetDevice(state_->device);
    if (!state_->failure && !state_->abandoned.empty()) {
      const std::string what = "completion of abandoned NCCL operations";
      if (auto failed = state_->waitFor(what).run([this] {
            state_->forgetCompleted();
            return state_->abandoned.empty();
          }))
        state_->fail(*failed);
    }
    if (!state_->failure) {
      // Finalize flushes the communicator's work with peers; polled so it cannot hang.
      ncclCheck(ncclCommFinalize(state_->comm), "ncclCommFinalize", state_->comm);
      state_->settle("NCCL communicator shutdown");
      ncclCommDestroy(state_->comm);
    }
  } catch (const CommsError& error) {
    // A destructor has no one to report to; make sure the communicator is aborted.
    if (!state_->failure) {
      state_->failure = error.what();
      ncclCommAbort(state_->comm);
    }
  }
  if (state_->failure) {
    // NCCL may still hold abandoned tensors: keep them (and their events) until exit.
    new std::shared_ptr<NcclCommState>(state_);  // NOLINT: deliberate leak
    bootstrap_.markFailed(*state_->failure);
  }
  releaseCuda();
}

void NcclCollective::releaseCuda() noexcept {
  if (ready_ != nullptr) cudaEventDestroy(ready_);
  if (stream_ != nullptr) cudaStreamDestroy(stream_);  // deferred by CUDA until the work ends
  ready_ = nullptr;
  stream_ = nullptr;
}

void NcclCollective::checkDevice(const torch::Tensor& tensor, const char* what) const {
  if (tensor.device().is_cuda() && tensor.device().index() == state_->device) return;
  throw CommsError(std::string(what) + " on rank " + std::to_string(state_->rank) +
                   " needs a tensor on cuda:" + std::to_string(state_->device) + ", got one on " +
                   tensor.device().str());
}

std::unique_ptr<Work> NcclCollective::launch(torch::Tensor tensor, const std::string& what,
                                             const std::function<ncclResult_t()>& enqueue) {
  cudaEvent_t done = nullptr;
  try {
    cudaCheck(cudaSetDevice(state_->device), "cudaSetDevice before " + what);
    if (!state_->abandoned.empty()) state_->forgetCompleted();
    cudaCheck(cudaEventRecord(ready_, cudaStreamLegacy), "cudaEventRecord (before " + what + ")");
    cudaCheck(cudaStreamWaitEvent(stream_, ready_, 0), "cudaStreamWaitEvent (before " + what + ")");
    ncclCheck(enqueue(), what, state_->comm);
    // A non-blocking communicator may return before the kernel is on the stream; an event
    // recorded now would complete too early.
    state_->settle(what);
    cudaCheck(cudaEventCreateWithFlags(&done, cudaEventDisableTiming), "cudaEventCreate");
    cudaCheck(cudaEventRecord(done, stream_), "cudaEventRecord (after " + what + ")");
  } catch (const CommsError& error) {
    if (done != nullptr) cudaEventDestroy(done);
    if (!state_->failure) state_->fail(error.what());
    throw;
  }
  return std::make_unique<NcclWork>(state_, done, std::move(tensor), what);
}

std::unique_ptr<Work> NcclCollective::allreduceAsync(torch::Tensor tensor, ReduceOp op) {
  if (tensor.defined() && tensor.device().is_cpu())
    return bootstrap_.allreduceAsync(std::move(tensor), op);
  checkCollectiveTensor(tensor, "allreduce", op);
  checkDevice(tensor, "allreduce");
  state_->throwIfFailed("allreduce refused");
  const ncclDataType_t datatype = ncclDatatype(tensor.scalar_type(), "allreduce");
  void* data = tensor.data_ptr();
  const size_t count = static_cast<size_t>(tensor.numel());
  const ncclRedOp_t reduce = op == ReduceOp::kAvg ? ncclAvg : op == ReduceOp::kMax ? ncclMax : ncclSum;
  const std::string what = describe("allreduce", tensor);
  return launch(std::move(tensor), what, [&] {
    return ncclAllReduce(data, data, count, datatype, reduce, state_->comm, stream_);
  });
}

void NcclCollective::broadcast(torch::Tensor tensor, int root) {
  if (tensor.defined() && tensor.device().is_cpu()) return bootstrap_.broadcast(tensor, root);
  checkCollectiveTensor(tensor, "broadcast", ReduceOp::kSum);
  checkDevice(tensor, "broadcast");
  if (root < 0 || root >= state_->size)
    throw CommsError("broadcast from root " + std::to_string(root) + ": the world has ranks 0.." +
                     std::to_string(state_->size - 1));
  state_->throwIfFailed("broadcast refused");
  void* data = tensor.data_ptr();
  const size_t bytes = tensor.nbytes();
  const std::string what = describe("broadcast", tensor) + " from rank " + std::to_string(root);
  launch(std::move(tensor), what, [&] {
    return ncclBroadcast(data, data, bytes, ncclUint8, root, state_->comm, stream_);
  })->wait();
}

}  // namespace cog::comms
