// safetensors: round trip over every supported dtype (incl. a 0-d scalar and an empty
// tensor), the exact byte layout of the standard format, and refusal of corrupt files.
#include "worker/checkpoint/safetensors.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "tests/worker/checkpoint/checkpoint_test_util.hpp"

namespace cog::checkpoint {
namespace {

namespace fs = std::filesystem;
using test::checkpointErrorOf;
using test::readText;
using test::ScratchDir;
using test::writeText;

// Bytes 0, 1, 2, ... so every tensor's content is distinct and position-dependent.
struct Sample {
  TensorView view;
  std::vector<uint8_t> storage;
};

Sample makeSample(const std::string& name, const std::string& dtype, std::vector<int64_t> shape,
                  uint8_t seed) {
  Sample sample;
  size_t numel = 1;
  for (const int64_t dim : shape) numel *= static_cast<size_t>(dim);
  sample.storage.resize(numel * dtypeSize(dtype).value());
  for (size_t i = 0; i < sample.storage.size(); ++i) {
    sample.storage[i] = static_cast<uint8_t>(seed + i);
  }
  sample.view = {name, dtype, std::move(shape), sample.storage.data(), sample.storage.size()};
  return sample;
}

std::vector<Sample> allSamples() {
  std::vector<Sample> samples;
  samples.push_back(makeSample("embed.weight", "F32", {5, 3}, 1));
  samples.push_back(makeSample("norm.scale", "F16", {7}, 2));
  samples.push_back(makeSample("attn.bf16", "BF16", {2, 3, 1}, 3));
  samples.push_back(makeSample("loss_scale", "F64", {}, 4));  // 0-d scalar
  samples.push_back(makeSample("step", "I64", {1}, 5));
  samples.push_back(makeSample("positions", "I32", {3, 1}, 6));
  samples.push_back(makeSample("empty.cache", "F32", {0, 4}, 7));  // no elements
  samples.push_back(makeSample("bytes", "U8", {9}, 8));
  samples.push_back(makeSample("mask", "BOOL", {2, 2}, 9));
  return samples;
}

std::vector<TensorView> viewsOf(const std::vector<Sample>& samples) {
  std::vector<TensorView> views;
  for (const Sample& s : samples) views.push_back(s.view);
  return views;
}

uint64_t headerLength(const std::string& file) {
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(static_cast<uint8_t>(file[i])) << (8 * i);
  return n;
}

std::string lengthPrefixed(const std::string& header, const std::string& data) {
  std::string file(8, '\0');
  for (int i = 0; i < 8; ++i) file[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return file + header + data;
}

TEST(CheckpointSafetensors, RoundTripAllDtypesAndShapes) {
  ScratchDir dir;
  const fs::path path = dir.path() / "model.safetensors";
  const std::vector<Sample> samples = allSamples();
  const std::map<std::string, std::string> metadata = {{"format", "pt"}, {"step", "1200"}};
  writeSafetensors(path, viewsOf(samples), metadata);

  const SafetensorsFile file = readSafetensors(path);
  EXPECT_EQ(file.metadata, metadata);
  ASSERT_EQ(file.tensors.size(), samples.size());
  for (size_t i = 0; i < samples.size(); ++i) {
    const StoredTensor& tensor = file.tensors[i];  // file order == the order given
    EXPECT_EQ(tensor.name, samples[i].view.name);
    EXPECT_EQ(tensor.dtype, samples[i].view.dtype);
    EXPECT_EQ(tensor.shape, samples[i].view.shape);
    EXPECT_EQ(tensor.data, samples[i].storage) << tensor.name;
  }
  ASSERT_NE(file.find("loss_scale"), nullptr);
  EXPECT_TRUE(file.find("loss_scale")->shape.empty());
  EXPECT_EQ(file.find("loss_scale")->data.size(), 8u);
  EXPECT_TRUE(file.find("empty.cache")->data.empty());
  EXPECT_EQ(file.find("missing"), nullptr);
}

TEST(CheckpointSafetensors, HeaderIsAlignedAndOffsetsContiguous) {
  ScratchDir dir;
  const fs::path path = dir.path() / "model.safetensors";
  const std::vector<Sample> samples = allSamples();
  writeSafetensors(path, viewsOf(samples), {{"k", "v"}});
  const std::string raw = readText(path);
  const uint64_t n = headerLength(raw);
  EXPECT_EQ(n % 8, 0u);
  const std::string headerText = raw.substr(8, n);
  EXPECT_EQ(headerText.find_last_not_of(' '), headerText.rfind('}'));  // only spaces pad
  const auto header = nlohmann::json::parse(headerText);
  EXPECT_EQ(header.at("__metadata__").at("k"), "v");
  uint64_t expected = 0;
  for (const Sample& s : samples) {
    const auto& offsets = header.at(s.view.name).at("data_offsets");
    EXPECT_EQ(offsets[0].get<uint64_t>(), expected) << s.view.name;
    expected += s.view.bytes;
    EXPECT_EQ(offsets[1].get<uint64_t>(), expected) << s.view.name;
    EXPECT_EQ(raw.compare(8 + n + offsets[0].get<uint64_t>(), s.view.bytes,
                          reinterpret_cast<const char*>(s.storage.data()), s.view.bytes),
              0)
        << s.view.name;
  }
  EXPECT_EQ(raw.size(), 8 + n + expected);
}

TEST(CheckpointSafetensors, ExactBytesOfTheStandardFormat) {
  // What huggingface's safetensors writes for {"x": torch.tensor([1.0])}: its header
  // field order (dtype, shape, data_offsets), space padding, then 1.0f little-endian.
  ScratchDir dir;
  const fs::path path = dir.path() / "x.safetensors";
  const float one = 1.0f;
  writeSafetensors(path, {{"x", "F32", {1}, &one, sizeof one}});
  std::string header = R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  header.append((8 - header.size() % 8) % 8, ' ');
  EXPECT_EQ(readText(path), lengthPrefixed(header, std::string("\x00\x00\x80\x3f", 4)));
}

TEST(CheckpointSafetensors, WriterRefusesBadViews) {
  ScratchDir dir;
  const fs::path path = dir.path() / "bad.safetensors";
  const std::vector<uint8_t> bytes(16);
  const auto view = [&](std::string name, std::string dtype, std::vector<int64_t> shape,
                        size_t size) {
    return TensorView{std::move(name), std::move(dtype), std::move(shape), bytes.data(), size};
  };
  EXPECT_THROW(writeSafetensors(path, {view("w", "F32", {3}, 16)}), InvariantError);
  EXPECT_THROW(writeSafetensors(path, {view("w", "F8", {4}, 4)}), InvariantError);
  EXPECT_THROW(writeSafetensors(path, {view("w", "F32", {-1}, 0)}), InvariantError);
  EXPECT_THROW(writeSafetensors(path, {view("", "U8", {1}, 1)}), InvariantError);
  EXPECT_THROW(writeSafetensors(path, {view("__metadata__", "U8", {1}, 1)}), InvariantError);
  EXPECT_THROW(writeSafetensors(path, {TensorView{"w", "U8", {1}, nullptr, 1}}), InvariantError);
  try {
    writeSafetensors(path, {view("tied", "F32", {2}, 8), view("tied", "F32", {2}, 8)});
    ADD_FAILURE() << "a duplicate name was accepted";
  } catch (const InvariantError& e) {
    EXPECT_NE(std::string(e.what()).find("'tied' is listed twice"), std::string::npos);
  }
  EXPECT_THROW(writeSafetensors(dir.path() / "no-such-dir" / "x", {view("w", "U8", {1}, 1)}),
               CheckpointError);
}

// Writes `contents` and expects readSafetensors to refuse it with a message naming the
// file and containing `expected`.
void expectRefused(const fs::path& path, const std::string& contents, const std::string& expected) {
  writeText(path, contents);
  const std::string message = checkpointErrorOf([&] { readSafetensors(path); });
  EXPECT_NE(message.find(path.string()), std::string::npos) << message;
  EXPECT_NE(message.find(expected), std::string::npos)
      << "wanted '" << expected << "' in: " << message;
}

TEST(CheckpointSafetensors, CorruptFilesAreRefusedWithTheReason) {
  ScratchDir dir;
  const fs::path path = dir.path() / "corrupt.safetensors";
  const std::string eight(8, 'd');
  const auto tensor = [](const std::string& name, const std::string& dtype,
                         const std::string& shape, int begin, int end) {
    return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape +
           ",\"data_offsets\":[" + std::to_string(begin) + "," + std::to_string(end) + "]}";
  };

  expectRefused(path, "abc", "is truncated: 3 bytes");
  expectRefused(path, lengthPrefixed("{}", "").substr(0, 8) + "{", "goes beyond the end");
  expectRefused(path, lengthPrefixed("{\"a\":", ""), "not valid JSON");
  expectRefused(path, lengthPrefixed("[1,2]", ""), "not a JSON object");
  // A number beyond double is nlohmann's out_of_range, not a parse_error (found by fuzzing).
  expectRefused(path, lengthPrefixed(R"({"__metadata__":{"format":3e363}})", ""), "not valid JSON");
  expectRefused(path, lengthPrefixed("{" + tensor("w", "F8", "[2]", 0, 2) + "}", "dd"),
                "tensor 'w' has unsupported dtype 'F8'");
  expectRefused(path, lengthPrefixed("{" + tensor("w", "F32", "[-2]", 0, 8) + "}", eight),
                "tensor 'w' has a bad dimension -2");
  expectRefused(path, lengthPrefixed("{" + tensor("w", "F32", "[3]", 0, 8) + "}", eight),
                "tensor 'w' spans 8 bytes, but dtype F32 shape [3] needs 12");
  // Data cut short: the offsets run past the end of the file.
  expectRefused(path, lengthPrefixed("{" + tensor("w", "F32", "[2]", 0, 8) + "}", "dddd"),
                "tensor 'w' has data_offsets [0,8] beyond the 4-byte data section");
  expectRefused(path, lengthPrefixed("{" + tensor("w", "F32", "[2]", 8, 0) + "}", eight),
                "tensor 'w' has data_offsets [8,0] ending before");
  expectRefused(path,
                lengthPrefixed("{" + tensor("a", "F32", "[2]", 0, 8) + "," +
                                   tensor("b", "F32", "[1]", 4, 8) + "}",
                               eight),
                "tensor 'b' overlaps tensor 'a'");
  expectRefused(path, lengthPrefixed("{" + tensor("a", "F32", "[1]", 4, 8) + "}", eight),
                "tensor 'a' begins at 4, leaving a gap");
  expectRefused(path, lengthPrefixed("{" + tensor("a", "F32", "[1]", 0, 4) + "}", eight),
                "4 bytes after the last tensor");
  expectRefused(path,
                lengthPrefixed("{" + tensor("a", "F32", "[1]", 0, 4) + "," +
                                   tensor("a", "F32", "[1]", 4, 8) + "}",
                               eight),
                "tensor 'a' appears twice");
  expectRefused(path, lengthPrefixed(R"({"__metadata__":{"step":12}})", ""),
                "__metadata__.step is not a string");
  expectRefused(path, lengthPrefixed(R"({"w":{"dtype":"F32","shape":[1]}})", "dddd"),
                "tensor 'w' has no data_offsets");
}

TEST(CheckpointSafetensors, TruncatingAValidFileIsAlwaysCaught) {
  ScratchDir dir;
  const fs::path path = dir.path() / "model.safetensors";
  writeSafetensors(path, viewsOf(allSamples()));
  const std::string full = readText(path);
  const fs::path cut = dir.path() / "cut.safetensors";
  for (size_t size = 0; size < full.size(); size += 7) {
    writeText(cut, full.substr(0, size));
    EXPECT_THROW(readSafetensors(cut), CheckpointError) << "truncated to " << size << " bytes";
  }
}

TEST(CheckpointSafetensors, MissingFileIsACheckpointError) {
  ScratchDir dir;
  const std::string message =
      checkpointErrorOf([&] { readSafetensors(dir.path() / "absent.safetensors"); });
  EXPECT_NE(message.find("absent.safetensors"), std::string::npos) << message;
}

}  // namespace
}  // namespace cog::checkpoint
