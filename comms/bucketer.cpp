#include "comms/bucketer.hpp"

#include <torch/torch.h>

#include <chrono>
#include <map>

#include "common/error.hpp"

namespace cog::comms {

std::vector<BucketLayout> planBuckets(const std::vector<torch::Tensor>& params, const BucketOptions& options) {
  std::vector<BucketLayout> buckets;
  std::map<torch::ScalarType, size_t> open;  // dtype -> bucket being filled
  for (size_t i = params.size(); i-- > 0;) {
    const auto& p = params[i];
    const int64_t element = static_cast<int64_t>(p.element_size());
    auto it = open.find(p.scalar_type());
    if (it != open.end()) {
      const auto& b = buckets[it->second];
      const int64_t budget = it->second == 0 ? options.first_bucket_bytes : options.bucket_bytes;
      if ((b.numel + p.numel()) * element > budget) it = open.end();
    }
    if (it == open.end()) {
      buckets.push_back(BucketLayout{});
      buckets.back().dtype = p.scalar_type();
      it = open.insert_or_assign(p.scalar_type(), buckets.size() - 1).first;
    }
    auto& b = buckets[it->second];
    b.params.push_back(i);
    b.offsets.push_back(b.numel);
    b.numel += p.numel();
  }
  return buckets;
}

GradientBucketer::GradientBucketer(std::vector<torch::Tensor> params, Collective& collective, BucketOptions options)
    : params_(std::move(params)), collective_(collective) {
  layout_ = planBuckets(params_, options);
  slot_.resize(params_.size());
  for (size_t b = 0; b < layout_.size(); ++b) {
    const auto& device = params_[layout_[b].params.front()].device();
    buffers_.push_back(torch::zeros({layout_[b].numel}, torch::TensorOptions().dtype(layout_[b].dtype).device(device)));
    for (size_t k = 0; k < layout_[b].params.size(); ++k) slot_[layout_[b].params[k]] = {b, k};
  }
  pending_.assign(layout_.size(), 0);
  ready_.assign(params_.size(), false);
  works_.resize(layout_.size());
  for (size_t i = 0; i < params_.size(); ++i) {
    if (!params_[i].requires_grad()) {
      throw InvariantError("GradientBucketer: parameter " + std::to_string(i) + " does not require grad");
    }
    // The hook sees the gradient summed over every use of the parameter (tied weights
    // included), just before it is accumulated into .grad().
    hooks_.push_back(params_[i].register_hook([this, i](torch::Tensor grad) { onGradient(i, grad); }));
  }
  beginBackward();
}

GradientBucketer::~GradientBucketer() {
  for (size_t i = 0; i < hooks_.size(); ++i) params_[i].remove_hook(hooks_[i]);
}

void GradientBucketer::beginBackward() {
  for (size_t b = 0; b < layout_.size(); ++b) {
    pending_[b] = static_cast<int64_t>(layout_[b].params.size());
    works_[b].reset();
  }
  std::fill(ready_.begin(), ready_.end(), false);
  launched_ = 0;
  next_launch_ = 0;
}

void GradientBucketer::onGradient(size_t param, const torch::Tensor& grad) {
  const auto [bucket, position] = slot_[param];
  const auto& layout = layout_[bucket];
  auto slice = buffers_[bucket].narrow(0, layout.offsets[position], params_[param].numel());
  torch::NoGradGuard no_grad;
  if (ready_[param]) {
    slice.add_(grad.reshape({-1}));  // a second gradient for the same parameter in one backward
    return;
  }
  slice.copy_(grad.reshape({-1}));
  ready_[param] = true;
  if (--pending_[bucket] == 0) launchCompleteInOrder();
}

void GradientBucketer::launchCompleteInOrder() {
  while (next_launch_ < layout_.size() && pending_[next_launch_] == 0) launch(next_launch_++);
}

void GradientBucketer::launch(size_t bucket) {
  works_[bucket] = collective_.allreduceAsync(buffers_[bucket], ReduceOp::kAvg);
  ++launched_;
}

void GradientBucketer::finishBackward() {
  torch::NoGradGuard no_grad;
  for (; next_launch_ < layout_.size(); ++next_launch_) {
    const size_t b = next_launch_;
    for (size_t k = 0; k < layout_[b].params.size(); ++k) {
      const size_t p = layout_[b].params[k];
      if (!ready_[p]) buffers_[b].narrow(0, layout_[b].offsets[k], params_[p].numel()).zero_();
    }
    launch(b);
  }
  const auto start = std::chrono::steady_clock::now();
  for (auto& work : works_) work->wait();
  wait_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (size_t b = 0; b < layout_.size(); ++b) {
    for (size_t k = 0; k < layout_[b].params.size(); ++k) {
      auto& p = params_[layout_[b].params[k]];
      auto averaged = buffers_[b].narrow(0, layout_[b].offsets[k], p.numel()).view(p.sizes());
      if (p.grad().defined()) {
        p.mutable_grad().copy_(averaged);
      } else {
        p.mutable_grad() = averaged.clone();
      }
    }
  }
}

}  // namespace cog::comms
