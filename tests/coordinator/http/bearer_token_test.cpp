#include "coordinator/http/bearer_token.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/error.hpp"

namespace cog::coord {
namespace {

TEST(HttpBearerToken, IsCreatedPrivateOnceAndReadBack) {
  const auto dir = std::filesystem::temp_directory_path() / ("cog_token_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / "api_token";
  const std::string first = readOrCreateToken(file);
  EXPECT_EQ(first.size(), 64u);
  EXPECT_EQ(first.find_first_not_of("0123456789abcdef"), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(readOrCreateToken(file), first) << "kept across restarts";
  EXPECT_NE(generateToken(), first);
  ::chmod(file.c_str(), 0644);
  try {
    readOrCreateToken(file);
    FAIL() << "a token others can read must be refused";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("mode 644"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

TEST(HttpBearerToken, ComparesWholeTokensAndParsesTheHeader) {
  EXPECT_TRUE(constantTimeEqual("abc", "abc"));
  EXPECT_FALSE(constantTimeEqual("abc", "abd"));
  EXPECT_FALSE(constantTimeEqual("abc", "abcd"));
  EXPECT_FALSE(constantTimeEqual("", "a"));
  EXPECT_EQ(bearerToken("Bearer xyz"), "xyz");
  EXPECT_EQ(bearerToken("bearer   xyz"), "xyz");
  EXPECT_EQ(bearerToken("Basic xyz"), "");
  EXPECT_EQ(bearerToken("Bearer"), "");
}

}  // namespace
}  // namespace cog::coord
