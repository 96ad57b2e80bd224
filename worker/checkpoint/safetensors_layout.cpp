#include "worker/checkpoint/safetensors_layout.hpp"

#include <string>

#include "worker/checkpoint/safetensors.hpp"

namespace cog::checkpoint {

std::optional<size_t> dtypeSize(const std::string& dtype) {
  struct Entry {
    const char* name;
    size_t size;
  };
  constexpr Entry kSizes[] = {{"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2},
                              {"I64", 8}, {"I32", 4}, {"U8", 1},  {"BOOL", 1}};
  for (const Entry& entry : kSizes) {
    if (dtype == entry.name) return entry.size;
  }
  return std::nullopt;
}

std::optional<uint64_t> tensorByteSize(const std::vector<int64_t>& shape, size_t elementSize) {
  uint64_t bytes = elementSize;
  for (const int64_t dim : shape) {
    if (dim < 0) return std::nullopt;
    if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(dim), &bytes)) return std::nullopt;
  }
  return bytes;
}

const StoredTensor* SafetensorsFile::find(const std::string& name) const {
  for (const StoredTensor& tensor : tensors) {
    if (tensor.name == name) return &tensor;
  }
  return nullptr;
}

}  // namespace cog::checkpoint
