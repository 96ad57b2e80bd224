#include "worker/version_info.hpp"

#include <dlfcn.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "comms/collective.hpp"
#include "worker/build_info.hpp"

namespace cog::worker {
namespace {

// Path of the first mapped library whose file name contains `needle`, symlinks resolved.
std::string loadedLibrary(const std::string& needle) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    const auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    if (std::filesystem::path(path).filename().string().find(needle) == std::string::npos) continue;
    std::error_code ec;
    auto resolved = std::filesystem::canonical(path, ec);
    return ec ? path : resolved.string();
  }
  return {};
}

std::string describeBlas() {
  // A small matmul makes LibTorch resolve its BLAS before we look.
  (void)torch::matmul(torch::ones({64, 64}), torch::ones({64, 64})).sum().item<float>();
  using ConfigFn = char* (*)();
  if (auto fn = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"))) {
    std::string where = loadedLibrary("libblas.so");
    return std::string(fn()) + (where.empty() ? "" : " (" + where + ")");
  }
  std::string where = loadedLibrary("blas");
  if (where.empty()) return "unknown (no BLAS library mapped)";
  if (where.find("/blas/") != std::string::npos) {
    return "reference BLAS " + where +
           " - slow; run scripts/install-deps to bring libopenblas0-openmp";
  }
  return where;
}

}  // namespace

VersionInfo collectVersionInfo(std::string blas_core, std::string host_malloc) {
  VersionInfo info;
  info.cog = kCogVersion;
  info.torch = TORCH_VERSION;
  info.cuda_devices = static_cast<int>(torch::cuda::device_count());
  info.blas = describeBlas();
  info.blas_core = std::move(blas_core);
  info.host_malloc = std::move(host_malloc);
  info.intra_op_threads = torch::get_num_threads();
  info.collectives = comms::compiledBackends();
  return info;
}

std::string formatVersionInfo(const VersionInfo& info) {
  std::ostringstream os;
  os << "cogworker " << info.cog << "\n"
     << "  libtorch     " << info.torch
     << (info.cuda_devices > 0 ? " (CUDA, " + std::to_string(info.cuda_devices) + " GPU" +
                                     (info.cuda_devices > 1 ? "s" : "") + " visible)"
                               : std::string(" (CPU)"))
     << "\n"
     << "  blas         " << info.blas << "\n"
     << "  blas core    " << info.blas_core << "\n"
     << "  host malloc  " << (info.host_malloc.empty() ? "glibc defaults" : info.host_malloc) << "\n"
     << "  threads      " << info.intra_op_threads << " intra-op\n"
     << "  collectives  ";
  if (info.collectives.empty()) os << "none compiled in (single process only)";
  for (size_t i = 0; i < info.collectives.size(); ++i) os << (i ? ", " : "") << info.collectives[i];
  os << "\n";
  return os.str();
}

}  // namespace cog::worker
