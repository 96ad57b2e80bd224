#include <fcntl.h>

#include <nlohmann/json.hpp>
#include <set>

#include "common/error.hpp"
#include "worker/checkpoint/durable_io.hpp"
#include "worker/checkpoint/safetensors.hpp"
#include "worker/checkpoint/safetensors_layout.hpp"

namespace cog::checkpoint {

namespace {

// ordered_json keeps the header in data order, which is easier to read by eye.
using Header = nlohmann::ordered_json;

std::string shapeText(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? "," : "") + std::to_string(shape[i]);
  return text + "]";
}

// Checks one view against the caller contract and returns its byte size.
uint64_t checkedByteSize(const std::filesystem::path& path, const TensorView& view) {
  const auto reject = [&](const std::string& why) {
    throw InvariantError("writing safetensors " + path.string() + ": tensor '" + view.name + "' " +
                         why);
  };
  if (view.name.empty()) reject("has an empty name");
  if (view.name == kMetadataKey) reject("uses the reserved name __metadata__");
  const std::optional<size_t> elementSize = dtypeSize(view.dtype);
  if (!elementSize) {
    reject("has unsupported dtype '" + view.dtype +
           "' (supported: F64, F32, F16, BF16, I64, I32, U8, BOOL)");
  }
  const std::optional<uint64_t> expected = tensorByteSize(view.shape, *elementSize);
  if (!expected) reject("has a negative or overflowing shape " + shapeText(view.shape));
  if (*expected != view.bytes) {
    reject("has " + std::to_string(view.bytes) + " bytes, but dtype " + view.dtype + " shape " +
           shapeText(view.shape) + " needs " + std::to_string(*expected));
  }
  if (view.bytes > 0 && view.data == nullptr) reject("has a null data pointer");
  return *expected;
}

std::string buildHeader(const std::filesystem::path& path, const std::vector<TensorView>& tensors,
                        const std::map<std::string, std::string>& metadata) {
  Header header = Header::object();
  if (!metadata.empty()) header[kMetadataKey] = metadata;
  std::set<std::string> names;
  uint64_t offset = 0;
  for (const TensorView& view : tensors) {
    const uint64_t bytes = checkedByteSize(path, view);
    if (!names.insert(view.name).second) {
      throw InvariantError("writing safetensors " + path.string() + ": tensor '" + view.name +
                           "' is listed twice (store tied weights once)");
    }
    header[view.name] = {
        {"dtype", view.dtype}, {"shape", view.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::type_error& e) {
    throw InvariantError("writing safetensors " + path.string() +
                         ": a tensor name or metadata string is not UTF-8: " + e.what());
  }
  // Padding to 8 bytes aligns the data section, so readers can map tensors in place.
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

}  // namespace

void writeSafetensors(const std::filesystem::path& path, const std::vector<TensorView>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  const std::string header = buildHeader(path, tensors, metadata);
  uint8_t length[kHeaderLengthBytes];
  for (size_t i = 0; i < kHeaderLengthBytes; ++i) {
    length[i] = static_cast<uint8_t>(static_cast<uint64_t>(header.size()) >> (8 * i));
  }
  UniqueFd fd = openFile(path, O_WRONLY | O_CREAT | O_TRUNC);
  writeAll(fd, length, sizeof length);
  writeAll(fd, header.data(), header.size());
  for (const TensorView& view : tensors) writeAll(fd, view.data, view.bytes);
  fd.close();
}

}  // namespace cog::checkpoint
