#include "comms/mpi/mpi_work.hpp"

#include "common/error.hpp"
#include "comms/mpi/mpi_check.hpp"
#include "comms/mpi/polling_wait.hpp"

namespace cog::comms {

void MpiCommState::throwIfFailed(const std::string& what) const {
  if (failure)
    throw CommsError(what +
                     ": this mpi collective is unusable after an earlier failure: " + *failure);
}

void MpiCommState::forgetCompleted() {
  for (size_t i = 0; i < abandoned.size();) {
    int flag = 0;
    mpiCheck(MPI_Test(&abandoned[i].request, &flag, MPI_STATUS_IGNORE),
             "MPI_Test (abandoned request)");
    if (flag) {
      abandoned[i] = std::move(abandoned.back());
      abandoned.pop_back();
    } else {
      ++i;
    }
  }
}

MpiWork::MpiWork(std::shared_ptr<MpiCommState> state, MPI_Request request, torch::Tensor tensor,
                 bool average, std::string what)
    : state_(std::move(state)),
      request_(request),
      tensor_(std::move(tensor)),
      average_(average),
      what_(std::move(what)) {}

MpiWork::~MpiWork() {
  if (request_ != MPI_REQUEST_NULL) state_->abandoned.push_back({request_, std::move(tensor_)});
}

void MpiWork::wait() {
  if (done_) return;
  if (failure_) throw CommsError(*failure_);
  // Another work's failure ended the collective: this one would only wait out its timeout.
  state_->throwIfFailed(what_ + " abandoned");
  const PollingWait poll{what_, state_->rank, state_->size, state_->options.timeout,
                         state_->options.abort_requested,
                         state_->options.abort_grace};
  try {
    failure_ = poll.run([this] {
      int flag = 0;
      // MPI_Test also drives progress of every outstanding non-blocking operation. The
      // error text is built only on failure: this runs thousands of times per second.
      const int rc = MPI_Test(&request_, &flag, MPI_STATUS_IGNORE);
      if (rc != MPI_SUCCESS) mpiCheck(rc, "MPI_Test (" + what_ + ")");
      return flag != 0;
    });
  } catch (const CommsError& error) {
    failure_ = error.what();
  }
  if (failure_) {
    if (!state_->failure) state_->failure = failure_;
    throw CommsError(*failure_);
  }
  // Averaging after the sum keeps the wire format plain MPI_SUM; floating point only (see
  // checkCollectiveTensor), so no integer rounding rule is needed.
  if (average_) tensor_.div_(state_->size);
  done_ = true;
}

}  // namespace cog::comms
