// A stand-in for the PyTorch wheel's exported copy of std::filesystem::remove_all
// (pytorch/pytorch#133437), which jumped to address 0 on an H200 (common/remove_tree.hpp).
// Linked as a shared library into a test executable, it comes before libstdc++ among the
// executable's libraries, as LibTorch does, so any call of std::filesystem::remove_all from
// the code under test binds here and aborts, naming the path: a reintroduced call fails the
// suite on a CPU machine instead of crashing on the next GPU.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace {

[[noreturn]] void refuse(const std::filesystem::path& path) {
  std::fprintf(stderr,
               "interposed std::filesystem::remove_all(\"%s\") called: with a PyTorch wheel's "
               "LibTorch this is the wheel's copy, which crashes; use cog::removeTree "
               "(common/remove_tree.hpp)\n",
               path.c_str());
  std::abort();
}

}  // namespace

// Same names and signatures as libstdc++'s, so they have the same mangled names.
namespace std::filesystem {

uintmax_t remove_all(const path& p) { refuse(p); }
uintmax_t remove_all(const path& p, error_code&) { refuse(p); }

}  // namespace std::filesystem
