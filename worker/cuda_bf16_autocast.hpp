#pragma once
// bf16 mixed precision for train.precision = bf16: an RAII region of CUDA autocast. The one
// place that knows LibTorch's autocast API changed between versions.
#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace cog::worker {

// CUDA autocast to bfloat16 for one region (train.precision = bf16): matmuls run in bf16,
// softmax, norms and the loss in fp32, against fp32 weights. Restores the previous state
// and, leaving the outermost region, drops the cached bf16 copies of the weights (they
// must be recast after the optimizer step). A no-op when not enabled.
class CudaBf16Autocast {
 public:
  explicit CudaBf16Autocast(bool enabled) : enabled_(enabled) {
    if (!enabled_) return;
    was_enabled_ = isEnabled();
    previous_dtype_ = dtype();
    setEnabled(true);
    setDtype(at::kBFloat16);
    at::autocast::increment_nesting();
  }
  ~CudaBf16Autocast() {
    if (!enabled_) return;
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    setEnabled(was_enabled_);
    setDtype(previous_dtype_);
  }
  CudaBf16Autocast(const CudaBf16Autocast&) = delete;
  CudaBf16Autocast& operator=(const CudaBf16Autocast&) = delete;

 private:
  // LibTorch 2.4 made the autocast calls take a device type and deprecated (with a warning
  // on every call) the CUDA-only ones that 1.13 has.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  static bool isEnabled() { return at::autocast::is_autocast_enabled(at::kCUDA); }
  static void setEnabled(bool on) { at::autocast::set_autocast_enabled(at::kCUDA, on); }
  static at::ScalarType dtype() { return at::autocast::get_autocast_dtype(at::kCUDA); }
  static void setDtype(at::ScalarType type) { at::autocast::set_autocast_dtype(at::kCUDA, type); }
#else
  static bool isEnabled() { return at::autocast::is_enabled(); }
  static void setEnabled(bool on) { at::autocast::set_enabled(on); }
  static at::ScalarType dtype() { return at::autocast::get_autocast_gpu_dtype(); }
  static void setDtype(at::ScalarType type) { at::autocast::set_autocast_gpu_dtype(type); }
#endif

  bool enabled_;
  bool was_enabled_ = false;
  at::ScalarType previous_dtype_ = at::kHalf;
};

}  // namespace cog::worker
