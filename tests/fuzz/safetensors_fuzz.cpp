// libFuzzer target: the safetensors reader (model.safetensors of every checkpoint). Input: the
// file's bytes. A file that is not valid safetensors is a CheckpointError naming what is wrong
// (truncation, header length, JSON, dtype, shape, offsets); nothing else may escape, nothing
// may crash, and a file that reads must hold exactly the bytes its shapes say.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/error.hpp"
#include "tests/fuzz/scratch_file.hpp"
#include "worker/checkpoint/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static cog::fuzz::ScratchFile scratch("cog-safetensors-fuzz");
  const std::string& path = scratch.write(data, size);
  try {
    const auto file = cog::checkpoint::readSafetensors(path);
    for (const auto& t : file.tensors) {
      size_t numel = 1;
      for (const int64_t d : t.shape) numel *= static_cast<size_t>(d);
      if (t.data.size() != numel * cog::checkpoint::dtypeSize(t.dtype).value()) std::abort();
    }
  } catch (const cog::CheckpointError&) {
  }
  return 0;
}
