#include <fcntl.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "common/error.hpp"
#include "worker/checkpoint/durable_io.hpp"
#include "worker/checkpoint/safetensors.hpp"
#include "worker/checkpoint/safetensors_layout.hpp"

namespace cog::checkpoint {

namespace {

using nlohmann::json;

struct Entry {
  StoredTensor tensor;
  uint64_t begin = 0;
  uint64_t end = 0;
};

class HeaderParser {
 public:
  explicit HeaderParser(const std::filesystem::path& path) : path_(path) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw CheckpointError("safetensors file " + path_.string() + ": " + what);
  }
  [[noreturn]] void failTensor(const std::string& name, const std::string& what) const {
    fail("tensor '" + name + "' " + what);
  }

  json parse(const std::string& text) const {
    // nlohmann keeps the last of duplicate keys silently; the callback sees every
    // top-level key first, so a name stored twice is caught here.
    std::set<std::string> keys;
    const json::parser_callback_t noteKeys = [&](int depth, json::parse_event_t event,
                                                 json& parsed) {
      if (event == json::parse_event_t::key && depth == 1 &&
          !keys.insert(parsed.get<std::string>()).second) {
        fail("tensor '" + parsed.get<std::string>() + "' appears twice in the header");
      }
      return true;
    };
    json header;
    try {
      header = json::parse(text, noteKeys);
    } catch (const json::exception& e) {  // parse_error, and out_of_range for a number beyond double
      fail(std::string("header is not valid JSON: ") + e.what());
    }
    if (!header.is_object()) fail("header is not a JSON object");
    return header;
  }

  std::map<std::string, std::string> metadata(const json& value) const {
    if (!value.is_object()) fail("__metadata__ is not an object");
    std::map<std::string, std::string> result;
    for (const auto& [key, text] : value.items()) {
      if (!text.is_string()) fail("__metadata__." + key + " is not a string");
      result.emplace(key, text.get<std::string>());
    }
    return result;
  }

  Entry tensor(const std::string& name, const json& value, uint64_t dataBytes) const {
    if (!value.is_object()) failTensor(name, "is not an object");
    Entry entry;
    entry.tensor.name = name;
    const auto dtype = value.find("dtype");
    if (dtype == value.end() || !dtype->is_string()) failTensor(name, "has no dtype string");
    entry.tensor.dtype = dtype->get<std::string>();
    const std::optional<size_t> elementSize = dtypeSize(entry.tensor.dtype);
    if (!elementSize) failTensor(name, "has unsupported dtype '" + entry.tensor.dtype + "'");

    const auto shape = value.find("shape");
    if (shape == value.end() || !shape->is_array()) failTensor(name, "has no shape array");
    for (const json& dim : *shape) {
      if (!dim.is_number_unsigned()) failTensor(name, "has a bad dimension " + dim.dump());
      entry.tensor.shape.push_back(dim.get<int64_t>());
    }
    const std::optional<uint64_t> bytes = tensorByteSize(entry.tensor.shape, *elementSize);
    if (!bytes) failTensor(name, "has an overflowing shape " + shape->dump());

    const auto offsets = value.find("data_offsets");
    if (offsets == value.end() || !offsets->is_array() || offsets->size() != 2 ||
        !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned()) {
      failTensor(name, "has no data_offsets [begin, end] of two non-negative integers");
    }
    entry.begin = (*offsets)[0].get<uint64_t>();
    entry.end = (*offsets)[1].get<uint64_t>();
    if (entry.end < entry.begin)
      failTensor(name, "has data_offsets " + offsets->dump() + " ending before they begin");
    if (entry.end > dataBytes) {
      failTensor(name, "has data_offsets " + offsets->dump() + " beyond the " +
                           std::to_string(dataBytes) + "-byte data section (truncated file?)");
    }
    if (entry.end - entry.begin != *bytes) {
      failTensor(name, "spans " + std::to_string(entry.end - entry.begin) + " bytes, but dtype " +
                           entry.tensor.dtype + " shape " + shape->dump() + " needs " +
                           std::to_string(*bytes));
    }
    return entry;
  }

  // Tensors must tile the data section exactly, as the reference implementation requires.
  void checkTiling(std::vector<Entry>& entries, uint64_t dataBytes) const {
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    uint64_t expected = 0;
    const std::string* previous = nullptr;
    for (const Entry& entry : entries) {
      if (entry.begin < expected) {
        failTensor(entry.tensor.name, "overlaps tensor '" + *previous + "' (begins at " +
                                          std::to_string(entry.begin) + ", before " +
                                          std::to_string(expected) + ")");
      }
      if (entry.begin > expected) {
        failTensor(entry.tensor.name, "begins at " + std::to_string(entry.begin) +
                                          ", leaving a gap after byte " + std::to_string(expected));
      }
      expected = entry.end;
      previous = &entry.tensor.name;
    }
    if (expected != dataBytes) {
      fail("the data section has " + std::to_string(dataBytes - expected) +
           " bytes after the last tensor");
    }
  }

 private:
  const std::filesystem::path& path_;
};

}  // namespace

SafetensorsFile readSafetensors(const std::filesystem::path& path) {
  const HeaderParser parser(path);
  UniqueFd fd = openFile(path, O_RDONLY);
  const uint64_t fileBytes = fileSize(fd);
  if (fileBytes < kHeaderLengthBytes) {
    parser.fail("is truncated: " + std::to_string(fileBytes) +
                " bytes, shorter than the 8-byte header length");
  }
  uint8_t lengthBytes[kHeaderLengthBytes];
  readExactly(fd, lengthBytes, sizeof lengthBytes, 0);
  uint64_t headerBytes = 0;
  for (size_t i = 0; i < kHeaderLengthBytes; ++i) {
    headerBytes |= static_cast<uint64_t>(lengthBytes[i]) << (8 * i);
  }
  if (headerBytes > fileBytes - kHeaderLengthBytes) {
    parser.fail("header length " + std::to_string(headerBytes) + " goes beyond the end of the " +
                std::to_string(fileBytes) + "-byte file (truncated or not safetensors)");
  }
  if (headerBytes > kMaxHeaderBytes) {
    parser.fail("header length " + std::to_string(headerBytes) + " exceeds the limit of " +
                std::to_string(kMaxHeaderBytes) + " bytes");
  }
  std::string text(headerBytes, '\0');
  readExactly(fd, text.data(), text.size(), kHeaderLengthBytes);
  const json header = parser.parse(text);

  const uint64_t dataStart = kHeaderLengthBytes + headerBytes;
  const uint64_t dataBytes = fileBytes - dataStart;
  SafetensorsFile file;
  std::vector<Entry> entries;
  for (const auto& [key, value] : header.items()) {
    if (key == kMetadataKey) {
      file.metadata = parser.metadata(value);
    } else {
      entries.push_back(parser.tensor(key, value, dataBytes));
    }
  }
  parser.checkTiling(entries, dataBytes);

  for (Entry& entry : entries) {
    entry.tensor.data.resize(entry.end - entry.begin);
    readExactly(fd, entry.tensor.data.data(), entry.tensor.data.size(), dataStart + entry.begin);
    file.tensors.push_back(std::move(entry.tensor));
  }
  return file;
}

}  // namespace cog::checkpoint
