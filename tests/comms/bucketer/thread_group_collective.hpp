#pragma once
// A test double: N ranks as threads of one process, reducing through shared memory. Lets the
// bucketer be tested "multi-rank" without MPI (gloo's tests spawn ranks as threads too).
// Collectives complete inside allreduceAsync once every rank has called it, so each rank's
// calls must come in the same order — exactly the property the bucketer must guarantee.
#include <torch/torch.h>

#include <condition_variable>
#include <mutex>
#include <vector>

#include "comms/collective.hpp"

namespace cog::comms::testing {

class ThreadGroup {
 public:
  explicit ThreadGroup(int size) : size_(size) {}
  int size() const { return size_; }

  // Blocks until all ranks contributed to this round, then leaves the sum in `tensor`.
  void allreduce(torch::Tensor tensor, ReduceOp op) {
    std::unique_lock<std::mutex> lock(mutex_);
    const int64_t round = round_;
    if (arrived_ == 0) sum_ = torch::zeros_like(tensor);
    if (!sum_.sizes().equals(tensor.sizes())) mismatched_ = true;  // ranks out of step
    else if (op == ReduceOp::kMax) sum_ = arrived_ == 0 ? tensor.clone() : torch::maximum(sum_, tensor);
    else sum_.add_(tensor);
    members_.push_back(tensor);
    calls_ += 1;
    if (++arrived_ == size_) {
      auto result = op == ReduceOp::kAvg ? sum_ / size_ : sum_;
      for (auto& m : members_) m.copy_(result);
      members_.clear();
      arrived_ = 0;
      ++round_;
      cv_.notify_all();
    } else {
      cv_.wait(lock, [&] { return round_ != round; });
    }
  }
  bool mismatched() const { return mismatched_; }
  int64_t calls() const { return calls_; }

 private:
  int size_;
  std::mutex mutex_;
  std::condition_variable cv_;
  torch::Tensor sum_;
  std::vector<torch::Tensor> members_;
  int arrived_ = 0;
  int64_t round_ = 0;
  int64_t calls_ = 0;
  bool mismatched_ = false;
};

class ThreadRankCollective : public Collective {
 public:
  ThreadRankCollective(ThreadGroup& group, int rank) : group_(group), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return group_.size(); }
  std::string backendName() const override { return "thread-group"; }
  std::unique_ptr<Work> allreduceAsync(torch::Tensor tensor, ReduceOp op) override {
    launches += 1;
    group_.allreduce(tensor, op);
    return std::make_unique<DoneWork>();
  }
  void broadcast(torch::Tensor, int) override {}
  void barrier() override {}
  int64_t launches = 0;

 private:
  struct DoneWork : Work {
    void wait() override {}
  };
  ThreadGroup& group_;
  int rank_;
};

}  // namespace cog::comms::testing
