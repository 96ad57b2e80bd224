// Deletes a file or a directory tree, as std::filesystem::remove_all does. Code that links
// LibTorch calls this instead: PyTorch's wheels (2.5 and later) export their own statically
// linked copy of std::filesystem::remove_all (pytorch/pytorch#133437), calls bind to it, and
// it jumps to address 0 (seen with torch 2.11 + CUDA 13 on an H200: every checkpoint pruning
// crashed the worker). This one uses only POSIX nftw() and remove().
#pragma once

#include <cstdint>
#include <filesystem>
#include <system_error>

namespace cog {

// Returns the number of entries removed (0 when `path` does not exist). On failure sets `ec`
// to the first error and returns what was removed until then.
std::uintmax_t removeTree(const std::filesystem::path& path, std::error_code& ec) noexcept;

// Throws std::filesystem::filesystem_error naming the path on failure.
std::uintmax_t removeTree(const std::filesystem::path& path);

}  // namespace cog
