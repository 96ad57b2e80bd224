#pragma once
// Gradient bucketing for data parallelism (the DDP recipe): gradients are packed into flat
// buckets in reverse parameter order — the order backward produces them — and each bucket
// is averaged across ranks with one collective once all of its gradients are ready, from
// autograd hooks, so communication overlaps the rest of backward. Never one collective per
// parameter. Buckets are launched strictly in bucket order (a full bucket waits for the
// ones before it), as DDP does: collectives pair up across ranks by the order they start,
// and a parameter that gets a gradient on one rank but not on another (an unused branch)
// would otherwise make the ranks start their buckets in different orders.
//
// Not thread-safe: one backward at a time, on the thread that runs it. All ranks must build
// the bucketer over the same parameters in the same order (the layout is then identical).
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "comms/collective.hpp"

namespace cog::comms {

struct BucketOptions {
  int64_t bucket_bytes = 25 * 1024 * 1024;  // comms.bucket_mb
  // The first bucket reduced (the last layers' gradients) is kept small so communication
  // starts early in backward, as PyTorch DDP does.
  int64_t first_bucket_bytes = 1024 * 1024;
};

struct BucketLayout {
  std::vector<size_t> params;    // indices into the parameter list, in fill order
  std::vector<int64_t> offsets;  // element offset of each parameter in the flat bucket
  int64_t numel = 0;
  torch::ScalarType dtype = torch::kFloat32;
};

// Plans buckets: reverse parameter order, one dtype per bucket, a new bucket when adding a
// parameter would exceed the bucket's byte budget (a parameter larger than the budget gets
// a bucket of its own).
std::vector<BucketLayout> planBuckets(const std::vector<torch::Tensor>& params, const BucketOptions& options);

class GradientBucketer {
 public:
  GradientBucketer(std::vector<torch::Tensor> params, Collective& collective, BucketOptions options = {});
  ~GradientBucketer();
  GradientBucketer(const GradientBucketer&) = delete;
  GradientBucketer& operator=(const GradientBucketer&) = delete;

  // Call before each backward: forgets which gradients arrived.
  void beginBackward();
  // Call after backward: launches, in bucket order, every bucket not launched yet (a
  // parameter that got no gradient contributes zeros on this rank), waits for every bucket,
  // then writes the averaged gradients into each parameter's .grad(). Throws CommsError on
  // timeout.
  void finishBackward();

  const std::vector<BucketLayout>& layout() const { return layout_; }
  // Collectives launched by the last backward (== number of buckets when all went well).
  int64_t collectivesLaunched() const { return launched_; }
  // Seconds finishBackward spent waiting for collectives (the part not overlapped).
  double lastWaitSeconds() const { return wait_seconds_; }

 private:
  void onGradient(size_t param, const torch::Tensor& grad);
  // Launches the complete buckets from next_launch_ on, stopping at the first incomplete one.
  void launchCompleteInOrder();
  void launch(size_t bucket);

  std::vector<torch::Tensor> params_;
  Collective& collective_;
  std::vector<BucketLayout> layout_;
  std::vector<torch::Tensor> buffers_;         // one flat tensor per bucket
  std::vector<std::pair<size_t, size_t>> slot_;  // param -> (bucket, position in bucket)
  std::vector<int64_t> pending_;               // gradients still missing per bucket
  std::vector<bool> ready_;                    // per parameter, this backward
  std::vector<std::unique_ptr<Work>> works_;   // per bucket, null until launched
  size_t next_launch_ = 0;                     // buckets before it are launched
  std::vector<unsigned> hooks_;
  int64_t launched_ = 0;
  double wait_seconds_ = 0;
};

}  // namespace cog::comms
