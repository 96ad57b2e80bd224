#include "comms/mpi/mpi_collective.hpp"

#include <climits>
#include <string>

#include "common/error.hpp"
#include "comms/mpi/mpi_check.hpp"
#include "comms/mpi/polling_wait.hpp"

namespace cog::comms {
namespace {

void checkCpu(const torch::Tensor& tensor, const char* what) {
  if (!tensor.device().is_cpu())
    throw CommsError(std::string(what) + " on the mpi backend needs a CPU tensor, got one on " +
                     tensor.device().str() + " (comms.backend nccl handles CUDA tensors)");
}

int mpiCount(int64_t count, const std::string& what) {
  if (count > INT_MAX)
    throw CommsError(what + ": " + std::to_string(count) +
                     " elements exceed MPI's int count; split the tensor");
  return static_cast<int>(count);
}

std::string describe(const char* op, const torch::Tensor& tensor) {
  return std::string(op) + " of " + std::to_string(tensor.nbytes()) + " bytes";
}

// Called only when a failure left requests that may never complete: the peers are out of
// step, so freeing the communicator or the tensors MPI may still write into is unsafe. The
// process is expected to exit soon (collective.hpp), which reclaims both.
void keepForever(std::shared_ptr<MpiCommState> state) {
  new std::shared_ptr<MpiCommState>(std::move(state));  // NOLINT: deliberate leak
}

}  // namespace

MpiCollective::MpiCollective(const CollectiveOptions& options, const RankInfo& rank)
    : state_(std::make_shared<MpiCommState>()) {
  state_->options = options;
  // Cog reports MPI failures as CommsError; MPI's default handler would abort the job first.
  mpiCheck(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN),
           "MPI_Comm_set_errhandler (MPI_COMM_WORLD)");
  mpiCheck(MPI_Comm_rank(MPI_COMM_WORLD, &state_->rank), "MPI_Comm_rank");
  mpiCheck(MPI_Comm_size(MPI_COMM_WORLD, &state_->size), "MPI_Comm_size");
  if (state_->rank != rank.rank || state_->size != rank.size)
    throw CommsError("the launcher's environment says rank " + std::to_string(rank.rank) + "/" +
                     std::to_string(rank.size) + " but MPI says rank " +
                     std::to_string(state_->rank) + "/" + std::to_string(state_->size) +
                     " (started without mpirun, or srun without --mpi=pmix?)");
  // A private communicator keeps Cog's collectives from matching anyone else's on
  // MPI_COMM_WORLD. MPI_Comm_dup would block without a timeout if a peer never arrives.
  MPI_Request request = MPI_REQUEST_NULL;
  mpiCheck(MPI_Comm_idup(MPI_COMM_WORLD, &state_->comm, &request), "MPI_Comm_idup");
  MpiWork setup(state_, request, torch::Tensor(), false, "communicator setup (MPI_Comm_idup)");
  try {
    setup.wait();
  } catch (const CommsError&) {
    keepForever(state_);
    runtime_.skipFinalize();
    throw;
  }
  mpiCheck(MPI_Comm_set_errhandler(state_->comm, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
}

MpiCollective::~MpiCollective() {
  if (!state_->failure && !state_->abandoned.empty()) {
    // Works dropped without wait(): their operations still complete normally once the
    // peers join, so give them the usual timeout before freeing what they use.
    const PollingWait drain{
        "completion of " + std::to_string(state_->abandoned.size()) + " abandoned operations",
        state_->rank, state_->size, state_->options.timeout, state_->options.abort_requested,
        state_->options.abort_grace};
    try {
      if (auto failure = drain.run([this] {
            state_->forgetCompleted();
            return state_->abandoned.empty();
          }))
        state_->failure = failure;
    } catch (const CommsError& error) {
      state_->failure = error.what();
    }
  }
  if (state_->failure) {
    keepForever(state_);
    runtime_.skipFinalize();  // only acts if this collective started MPI
    return;
  }
  if (state_->comm != MPI_COMM_NULL) MPI_Comm_free(&state_->comm);
}

void MpiCollective::markFailed(const std::string& reason) {
  if (!state_->failure) state_->failure = reason;
}

std::unique_ptr<Work> MpiCollective::allreduceAsync(torch::Tensor tensor, ReduceOp op) {
  checkCollectiveTensor(tensor, "allreduce", op);
  checkCpu(tensor, "allreduce");
  state_->throwIfFailed("allreduce refused");
  if (!state_->abandoned.empty()) state_->forgetCompleted();
  const MpiTypedOp typed = reduce_ops_.forDtype(tensor.scalar_type(), op, "allreduce");
  std::string what = describe("allreduce", tensor);
  MPI_Request request = MPI_REQUEST_NULL;
  mpiCheck(MPI_Iallreduce(MPI_IN_PLACE, tensor.data_ptr(), mpiCount(tensor.numel(), what),
                          typed.datatype, typed.op, state_->comm, &request),
           "MPI_Iallreduce (" + what + ")");
  return std::make_unique<MpiWork>(state_, request, std::move(tensor), op == ReduceOp::kAvg,
                                   std::move(what));
}

void MpiCollective::broadcast(torch::Tensor tensor, int root) {
  checkCollectiveTensor(tensor, "broadcast", ReduceOp::kSum);
  checkCpu(tensor, "broadcast");
  if (root < 0 || root >= state_->size)
    throw CommsError("broadcast from root " + std::to_string(root) + ": the world has ranks 0.." +
                     std::to_string(state_->size - 1));
  state_->throwIfFailed("broadcast refused");
  std::string what = describe("broadcast", tensor) + " from rank " + std::to_string(root);
  // Bytes, not typed elements: a broadcast copies and so works for every dtype.
  MPI_Request request = MPI_REQUEST_NULL;
  mpiCheck(MPI_Ibcast(tensor.data_ptr(), mpiCount(static_cast<int64_t>(tensor.nbytes()), what),
                      MPI_BYTE, root, state_->comm, &request),
           "MPI_Ibcast (" + what + ")");
  MpiWork(state_, request, std::move(tensor), false, std::move(what)).wait();
}

void MpiCollective::barrier() {
  state_->throwIfFailed("barrier refused");
  MPI_Request request = MPI_REQUEST_NULL;
  mpiCheck(MPI_Ibarrier(state_->comm, &request), "MPI_Ibarrier");
  MpiWork(state_, request, torch::Tensor(), false, "barrier").wait();
}

}  // namespace cog::comms
