// A wrong vocab or merges file must say which file and what is wrong with it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/error.hpp"
#include "common/remove_tree.hpp"
#include "gpt2_test_data.hpp"

namespace cog::test {
namespace {

class Gpt2TokenizerFilesTest : public Gpt2DataTest {
 protected:
  void SetUp() override {
    Gpt2DataTest::SetUp();
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("cog_tokenizer_" + std::to_string(::getpid()) + "_" + info->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { cog::removeTree(dir_); }

  std::string write(const std::string& name, const std::string& content) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  std::string realVocab() const { return gpt2DataDir() + "/vocab.json"; }
  std::string realMerges() const { return gpt2DataDir() + "/merges.txt"; }

  // The DataError message from loading the pair, or a test failure if loading succeeds.
  static std::string loadError(const std::string& vocab, const std::string& merges) {
    try {
      Gpt2Tokenizer tokenizer(vocab, merges);
    } catch (const DataError& e) {
      return e.what();
    }
    ADD_FAILURE() << "expected DataError for " << vocab << " + " << merges;
    return "";
  }

  std::filesystem::path dir_;
};

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

TEST_F(Gpt2TokenizerFilesTest, MissingVocabNamesThePath) {
  const std::string missing = (dir_ / "no_such_vocab.json").string();
  const std::string message = loadError(missing, realMerges());
  EXPECT_CONTAINS(message, missing);
  EXPECT_CONTAINS(message, "does not exist");
}

TEST_F(Gpt2TokenizerFilesTest, MissingMergesNamesThePath) {
  const std::string missing = (dir_ / "no_such_merges.txt").string();
  const std::string message = loadError(realVocab(), missing);
  EXPECT_CONTAINS(message, missing);
  EXPECT_CONTAINS(message, "does not exist");
}

TEST_F(Gpt2TokenizerFilesTest, DirectoryInsteadOfFileIsNamed) {
  const std::string message = loadError(dir_.string(), realMerges());
  EXPECT_CONTAINS(message, dir_.string());
  EXPECT_CONTAINS(message, "directory");
}

TEST_F(Gpt2TokenizerFilesTest, MalformedVocabJsonNamesThePath) {
  const std::string vocab = write("vocab.json", R"({"a": 0, "b": )");
  const std::string message = loadError(vocab, realMerges());
  EXPECT_CONTAINS(message, vocab);
  EXPECT_CONTAINS(message, "not valid JSON");
}

TEST_F(Gpt2TokenizerFilesTest, VocabWithNonIntegerIdIsRejected) {
  const std::string vocab = write("vocab.json", R"({"a": 0, "b": "one"})");
  const std::string message = loadError(vocab, realMerges());
  EXPECT_CONTAINS(message, vocab);
  EXPECT_CONTAINS(message, "'b'");
}

TEST_F(Gpt2TokenizerFilesTest, VocabWithoutAllBytesIsRejected) {
  const std::string vocab = write("vocab.json", R"({"a": 0, "<|endoftext|>": 1})");
  const std::string message = loadError(vocab, realMerges());
  EXPECT_CONTAINS(message, vocab);
  EXPECT_CONTAINS(message, "no token for byte 0x00");
}

TEST_F(Gpt2TokenizerFilesTest, BadMergesLineNamesLineNumber) {
  const std::string merges = write("merges.txt", "#version: 0.2\nĠ t\nĠ a\nthisisnotamerge\nh e\n");
  const std::string message = loadError(realVocab(), merges);
  EXPECT_CONTAINS(message, merges);
  EXPECT_CONTAINS(message, "line 4");
  EXPECT_CONTAINS(message, "thisisnotamerge");
}

TEST_F(Gpt2TokenizerFilesTest, MergeOfUnknownTokenNamesLineNumber) {
  const std::string merges = write("merges.txt", "#version: 0.2\nĠ t\nzzzq xq\n");
  const std::string message = loadError(realVocab(), merges);
  EXPECT_CONTAINS(message, "line 3");
  EXPECT_CONTAINS(message, "'zzzq'");
}

TEST_F(Gpt2TokenizerFilesTest, EmptyMergesFileIsRejected) {
  const std::string merges = write("merges.txt", "");
  EXPECT_CONTAINS(loadError(realVocab(), merges), "no merge lines");
}

}  // namespace
}  // namespace cog::test
