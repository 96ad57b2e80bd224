// Writing and reading one checkpoint directory: contents, meta, and every way a damaged
// directory must be refused with an error that names what is wrong.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/worker/checkpoint/checkpoint_test_util.hpp"
#include "worker/checkpoint/checkpoint_reader.hpp"
#include "worker/checkpoint/checkpoint_writer.hpp"

namespace cog::checkpoint {
namespace {

namespace fs = std::filesystem;
using test::checkpointErrorOf;
using test::readText;
using test::ScratchDir;
using test::writeText;

const std::vector<std::string> kFiles = {"model.bin", "optim/state.bin", "check.txt", "rng.txt"};

// Writes a checkpoint with a file in a subdirectory, one written by a callback, and the
// CRC-32 check string "123456789" whose checksum is the well-known 0xcbf43926.
fs::path writeSample(const fs::path& root, const std::string& name) {
  CheckpointWriter writer(root, name);
  std::vector<uint8_t> model(1000);
  for (size_t i = 0; i < model.size(); ++i) model[i] = static_cast<uint8_t>(i * 7);
  writer.addFile("model.bin", model.data(), model.size());
  writer.addFile("optim/state.bin", std::string(300, 'o'));
  writer.addFile("check.txt", "123456789");
  writer.addFileFrom("rng.txt", [](const fs::path& path) { writeText(path, "seed=42\n"); });
  writer.setMeta({{"epoch", 3}, {"step", 1200}, {"val_loss", 2.5}, {"healthy", true}});
  return writer.commit();
}

void flipByte(const fs::path& path, size_t offset) {
  std::string text = readText(path);
  ASSERT_LT(offset, text.size());
  text[offset] = static_cast<char>(text[offset] ^ 0x5a);
  writeText(path, text);
}

TEST(CheckpointRoundTrip, FilesAndMetaSurvive) {
  ScratchDir dir;
  const fs::path written = writeSample(dir.path(), "epoch-3");
  EXPECT_EQ(written, dir.path() / "epoch-3");

  const CheckpointReader reader(dir.path(), "epoch-3");
  std::vector<std::string> expectedNames = kFiles;
  std::sort(expectedNames.begin(), expectedNames.end());
  EXPECT_EQ(reader.fileNames(), expectedNames);
  const std::vector<uint8_t> model = reader.readBytes("model.bin");
  ASSERT_EQ(model.size(), 1000u);
  EXPECT_EQ(model[999], static_cast<uint8_t>(999 * 7));
  EXPECT_EQ(readText(reader.filePath("optim/state.bin")), std::string(300, 'o'));
  EXPECT_EQ(readText(reader.filePath("rng.txt")), "seed=42\n");
  EXPECT_EQ(reader.meta().at("step"), 1200);
  EXPECT_EQ(reader.meta().at("val_loss"), 2.5);
  EXPECT_EQ(reader.meta().at("healthy"), true);
  EXPECT_EQ(reader.manifest().name, "epoch-3");
  EXPECT_NEAR(static_cast<double>(reader.manifest().created_unix),
              static_cast<double>(std::time(nullptr)), 60.0);
  EXPECT_FALSE(reader.hasFile("manifest.json"));
  EXPECT_THROW(reader.filePath("nope.bin"), CheckpointError);

  // The manifest itself, as other tools (the coordinator, people) will read it.
  const auto manifest = nlohmann::json::parse(readText(written / "manifest.json"));
  EXPECT_EQ(manifest.at("format"), "cog-checkpoint");
  EXPECT_EQ(manifest.at("version"), 1);
  EXPECT_EQ(manifest.at("files").at("check.txt").at("crc32"), "cbf43926");
  EXPECT_EQ(manifest.at("files").at("check.txt").at("bytes"), 9);
  EXPECT_EQ(manifest.at("meta").at("epoch"), 3);
  // Only the checkpoint remains: no staging directory left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(CheckpointRoundTrip, FlippedByteInAnyFileIsNamed) {
  for (const std::string& file : kFiles) {
    ScratchDir dir;
    const fs::path ckpt = writeSample(dir.path(), "c");
    flipByte(ckpt / file, 1);
    const std::string message = checkpointErrorOf([&] { CheckpointReader reader(ckpt); });
    EXPECT_NE(message.find(ckpt.string()), std::string::npos) << message;
    EXPECT_NE(message.find("file " + file + " has crc32"), std::string::npos) << message;
    EXPECT_NE(message.find("expects"), std::string::npos) << message;
  }
}

TEST(CheckpointRoundTrip, ReadBytesRechecksAfterOpening) {
  ScratchDir dir;
  const fs::path ckpt = writeSample(dir.path(), "c");
  const CheckpointReader reader(ckpt);
  flipByte(ckpt / "model.bin", 500);
  const std::string message = checkpointErrorOf([&] { reader.readBytes("model.bin"); });
  EXPECT_NE(message.find("model.bin"), std::string::npos) << message;
}

TEST(CheckpointRoundTrip, TruncatedFileIsNamedWithSizes) {
  ScratchDir dir;
  const fs::path ckpt = writeSample(dir.path(), "c");
  fs::resize_file(ckpt / "model.bin", 600);
  const std::string message = checkpointErrorOf([&] { CheckpointReader reader(ckpt); });
  EXPECT_NE(message.find("file model.bin is 600 bytes, the manifest expects 1000"),
            std::string::npos)
      << message;
  // The cheap size-only check catches truncation too.
  checkpointErrorOf([&] { CheckpointReader reader(ckpt, Verification::kSizes); });
}

TEST(CheckpointRoundTrip, MissingListedFileIsNamed) {
  ScratchDir dir;
  const fs::path ckpt = writeSample(dir.path(), "c");
  fs::remove(ckpt / "optim/state.bin");
  const std::string message = checkpointErrorOf([&] { CheckpointReader reader(ckpt); });
  EXPECT_NE(message.find("optim/state.bin listed in the manifest is missing"), std::string::npos)
      << message;
}

TEST(CheckpointRoundTrip, MissingManifestOrDirectoryNamesThePath) {
  ScratchDir dir;
  const fs::path ckpt = writeSample(dir.path(), "c");
  fs::remove(ckpt / "manifest.json");
  std::string message = checkpointErrorOf([&] { CheckpointReader reader(ckpt); });
  EXPECT_NE(message.find(ckpt.string()), std::string::npos) << message;
  EXPECT_NE(message.find("no manifest.json"), std::string::npos) << message;

  message = checkpointErrorOf([&] { CheckpointReader reader(dir.path(), "absent"); });
  EXPECT_NE(message.find((dir.path() / "absent").string()), std::string::npos) << message;
}

TEST(CheckpointRoundTrip, UnknownVersionAndFormatAreRefused) {
  ScratchDir dir;
  const fs::path ckpt = writeSample(dir.path(), "c");
  const fs::path manifestPath = ckpt / "manifest.json";
  auto manifest = nlohmann::json::parse(readText(manifestPath));

  manifest["version"] = 2;
  writeText(manifestPath, manifest.dump());
  std::string message = checkpointErrorOf([&] { CheckpointReader reader(ckpt); });
  EXPECT_NE(message.find(manifestPath.string()), std::string::npos) << message;
  EXPECT_NE(message.find("version 2 is not supported"), std::string::npos) << message;

  manifest["version"] = 1;
  manifest["format"] = "something-else";
  writeText(manifestPath, manifest.dump());
  message = checkpointErrorOf([&] { CheckpointReader reader(ckpt); });
  EXPECT_NE(message.find("format is 'something-else'"), std::string::npos) << message;

  writeText(manifestPath, "{not json");
  message = checkpointErrorOf([&] { CheckpointReader reader(ckpt); });
  EXPECT_NE(message.find("not valid JSON"), std::string::npos) << message;

  // A number beyond double is nlohmann's out_of_range, not a parse_error.
  writeText(manifestPath, R"({"format": "cog-checkpoint", "version": 3e363})");
  message = checkpointErrorOf([&] { CheckpointReader reader(ckpt); });
  EXPECT_NE(message.find("not valid JSON"), std::string::npos) << message;
}

TEST(CheckpointRoundTrip, ManifestPathsOutsideTheDirectoryAreRefused) {
  ScratchDir dir;
  const fs::path ckpt = writeSample(dir.path(), "c");
  const fs::path manifestPath = ckpt / "manifest.json";
  auto manifest = nlohmann::json::parse(readText(manifestPath));
  manifest["files"]["../escape"] = {{"bytes", 0}, {"crc32", "00000000"}};
  writeText(manifestPath, manifest.dump());
  const std::string message = checkpointErrorOf([&] { CheckpointReader reader(ckpt); });
  EXPECT_NE(message.find("../escape"), std::string::npos) << message;
}

TEST(CheckpointRoundTrip, UncommittedWriterLeavesNothing) {
  ScratchDir dir;
  {
    CheckpointWriter writer(dir.path(), "c");
    writer.addFile("model.bin", std::string(100, 'x'));
    EXPECT_TRUE(fs::is_directory(writer.stagingDirectory()));
  }
  {
    // A writer callback that throws (e.g. torch::save failing) also leaves nothing behind.
    CheckpointWriter writer(dir.path(), "c");
    EXPECT_THROW(writer.addFileFrom("model.bin",
                                    [](const fs::path& path) {
                                      writeText(path, "partial");
                                      throw CheckpointError("disk full");
                                    }),
                 CheckpointError);
  }
  EXPECT_FALSE(fs::exists(dir.path() / "c"));
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(CheckpointRoundTrip, BadNamesAndMisuseAreRefused) {
  ScratchDir dir;
  for (const std::string& name :
       std::vector<std::string>{"", ".hidden", "a/b", "..", std::string(201, 'n')}) {
    EXPECT_THROW(CheckpointWriter(dir.path(), name), CheckpointError) << name;
  }
  CheckpointWriter writer(dir.path(), "c");
  for (const std::string& file :
       std::vector<std::string>{"", "../x", "/abs", "a//b", "a/./b", "manifest.json"}) {
    EXPECT_THROW(writer.addFile(file, "x"), CheckpointError) << file;
  }
  writer.addFile("model.bin", "x");
  EXPECT_THROW(writer.addFile("model.bin", "y"), CheckpointError);
  EXPECT_THROW(writer.addFileFrom("never.bin", [](const fs::path&) {}), CheckpointError);
  EXPECT_THROW(writer.setMeta(nlohmann::json::array({1, 2})), InvariantError);
  writer.commit();
  EXPECT_THROW(writer.commit(), InvariantError);
  EXPECT_THROW(writer.addFile("late.bin", "x"), InvariantError);
}

TEST(CheckpointRoundTrip, FilesWrittenBesideTheApiAreCoveredToo) {
  // A library that writes extra files next to its output (or a caller writing straight
  // into the staging directory) still gets every file checksummed.
  ScratchDir dir;
  CheckpointWriter writer(dir.path(), "c");
  writer.addFileFrom("model.bin", [](const fs::path& path) {
    writeText(path, "weights");
    writeText(path.parent_path() / "model.bin.index", "index");
  });
  writer.commit();
  const CheckpointReader reader(dir.path(), "c");
  EXPECT_TRUE(reader.hasFile("model.bin.index"));
}

}  // namespace
}  // namespace cog::checkpoint
