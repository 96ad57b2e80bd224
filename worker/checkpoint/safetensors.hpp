#pragma once
// The safetensors format (huggingface/safetensors), torch-free:
//   [8 bytes: little-endian u64 N][N bytes: JSON header, space-padded to a multiple of 8]
//   [data: raw little-endian tensor bytes, back to back]
// header: {"__metadata__": {"k": "v"}, "name": {"dtype": "F32", "shape": [2, 3],
//          "data_offsets": [begin, end]}, ...}; offsets are relative to the data start.
// The trainer turns tensors into TensorViews (contiguous CPU bytes) itself, so this
// library never includes torch. Tied weights are stored once by listing them once.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cog::checkpoint {

// A borrowed, contiguous, row-major tensor. dtype is one of the safetensors names this
// library supports: F64, F32, F16, BF16, I64, I32, U8, BOOL.
struct TensorView {
  std::string name;
  std::string dtype;
  std::vector<int64_t> shape;  // empty for a 0-d scalar
  const void* data = nullptr;
  size_t bytes = 0;  // must equal numel(shape) * dtypeSize(dtype)
};

// A tensor read back from a file; owns its bytes.
struct StoredTensor {
  std::string name;
  std::string dtype;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;
};

struct SafetensorsFile {
  std::vector<StoredTensor> tensors;  // in file (data offset) order
  std::map<std::string, std::string> metadata;

  // nullptr when there is no tensor of that name.
  const StoredTensor* find(const std::string& name) const;
};

// Bytes per element of a supported dtype; nullopt for any other name.
std::optional<size_t> dtypeSize(const std::string& dtype);

// Writes `tensors` in the given order. Throws InvariantError (a caller bug) for an
// unsupported dtype, a negative dimension, bytes != numel x dtype size, a null data
// pointer with bytes > 0, an empty, reserved ("__metadata__") or duplicate name; throws
// CheckpointError when the file cannot be written. Does not fsync: inside a checkpoint,
// CheckpointWriter::commit() does.
void writeSafetensors(const std::filesystem::path& path, const std::vector<TensorView>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// Reads and validates a whole file. Throws CheckpointError naming the path (and the tensor,
// where there is one) for a truncated file, a header length beyond the file, bad JSON,
// duplicate names, unknown dtypes, bad shapes, offsets that do not match the shape,
// overlap, leave gaps or run past the data, and bytes after the last tensor.
SafetensorsFile readSafetensors(const std::filesystem::path& path);

}  // namespace cog::checkpoint
