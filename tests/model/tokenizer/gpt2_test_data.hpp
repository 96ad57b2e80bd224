#pragma once
// Shared by the GPT-2 tests: where the real vocab.json / merges.txt live, and one tokenizer
// loaded once per test binary (loading parses 50k merges; no need to repeat it per test).
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "model/tokenizer/gpt2_tokenizer.hpp"

namespace cog::test {

inline std::string gpt2DataDir() { return std::string(COG_SHARED_DATA_DIR) + "/gpt2"; }

class Gpt2DataTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (std::filesystem::is_directory(gpt2DataDir()) && !tokenizer_) {
      tokenizer_ = std::make_unique<Gpt2Tokenizer>(gpt2DataDir() + "/vocab.json",
                                                   gpt2DataDir() + "/merges.txt");
    }
  }
  void SetUp() override {
    // Skipping is only for checkouts without ../shared/data; a present but broken directory
    // fails in SetUpTestSuite with the loader's DataError.
    if (!std::filesystem::is_directory(gpt2DataDir())) {
      GTEST_SKIP() << "GPT-2 data directory " << gpt2DataDir()
                   << " is missing; put vocab.json and merges.txt there to run this test";
    }
  }
  const Gpt2Tokenizer& tokenizer() const { return *tokenizer_; }

 private:
  inline static std::unique_ptr<Gpt2Tokenizer> tokenizer_;
};

}  // namespace cog::test
