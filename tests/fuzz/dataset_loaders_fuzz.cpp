// libFuzzer target: the loaders of the original dataset files (GSM8K, SVAMP, MBPP, ARC,
// HellaSwag, and the `--format qa` file). Input: one byte choosing the loader, then the file's
// bytes. A malformed record is skipped with a warning, a file with no valid record is a
// DataError naming it; nothing else may escape, and nothing may crash.
#include <cstdint>
#include <string>

#include "common/error.hpp"
#include "tests/fuzz/scratch_file.hpp"
#include "worker/data/record_loaders.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static cog::fuzz::ScratchFile scratch("cog-dataset-fuzz");
  const std::string& path = scratch.write(data + 1, size - 1);
  size_t warnings = 0;
  const cog::data::WarningSink warn = [&](const std::string&) { ++warnings; };
  try {
    switch (data[0] % 6) {
      case 0: cog::data::loadGsm8k(path, warn); break;
      case 1: cog::data::loadSvamp(path, warn); break;
      case 2: cog::data::loadMbpp(path, warn); break;
      case 3: cog::data::loadArc(path, "arc", warn); break;
      case 4: cog::data::loadHellaSwag(path, warn); break;
      default: cog::data::loadQa(path, warn); break;
    }
  } catch (const cog::DataError&) {
  }
  return 0;
}
