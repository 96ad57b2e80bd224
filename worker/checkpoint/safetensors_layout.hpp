#pragma once
// Pieces of the safetensors layout shared by its reader and writer (internal).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace cog::checkpoint {

// The data section is written as the host's bytes; the format is little-endian.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors data is little-endian; a big-endian host would need byte swaps");

inline constexpr size_t kHeaderLengthBytes = 8;
// Same bound as the reference implementation (MAX_HEADER_SIZE): a corrupted length must
// not make the reader allocate gigabytes.
inline constexpr uint64_t kMaxHeaderBytes = 100'000'000;
inline constexpr const char* kMetadataKey = "__metadata__";

// numel(shape) x element size; nullopt when a dimension is negative or the product
// overflows 64 bits. An empty shape is a scalar (1 element).
std::optional<uint64_t> tensorByteSize(const std::vector<int64_t>& shape, size_t elementSize);

}  // namespace cog::checkpoint
