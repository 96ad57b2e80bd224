// `cogworker --version` names what the process runs with; the LibTorch line says whether it
// sees GPUs (a CUDA LibTorch on a GPU machine printed "(CPU)" before).
#include "worker/version_info.hpp"

#include <gtest/gtest.h>

namespace cog::worker {
namespace {

VersionInfo sample(int cuda_devices) {
  VersionInfo info;
  info.cog = "0.1.0";
  info.torch = "2.11.0";
  info.cuda_devices = cuda_devices;
  info.blas = "OpenBLAS";
  info.blas_core = "Haswell";
  info.intra_op_threads = 1;
  return info;
}

TEST(VersionInfo, TheLibTorchLineSaysCpuOrHowManyGpusItSees) {
  EXPECT_NE(formatVersionInfo(sample(0)).find("libtorch     2.11.0 (CPU)\n"), std::string::npos);
  EXPECT_NE(formatVersionInfo(sample(1)).find("libtorch     2.11.0 (CUDA, 1 GPU visible)\n"),
            std::string::npos);
  EXPECT_NE(formatVersionInfo(sample(8)).find("libtorch     2.11.0 (CUDA, 8 GPUs visible)\n"),
            std::string::npos);
}

TEST(VersionInfo, ThisProcessSaysWhatItsLibTorchSees) {
  // Debian's LibTorch is a CPU build and sees no GPU; a CUDA one on a GPU machine sees some.
  const VersionInfo info = collectVersionInfo("test");
  const std::string text = formatVersionInfo(info);
  EXPECT_NE(text.find(info.cuda_devices > 0 ? "(CUDA, " : "(CPU)"), std::string::npos) << text;
}

}  // namespace
}  // namespace cog::worker
