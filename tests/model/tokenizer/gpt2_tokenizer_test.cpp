#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <random>
#include <thread>

#include "common/error.hpp"
#include "gpt2_test_data.hpp"

namespace cog::test {
namespace {

class Gpt2TokenizerTest : public Gpt2DataTest {};

void appendUtf8(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Random valid UTF-8 over all of Unicode (unassigned code points included), half ASCII so
// the regex's word/number/space branches all get exercised.
std::string randomUtf8(std::mt19937& rng, size_t codePoints) {
  std::uniform_int_distribution<uint32_t> ascii(0, 0x7F), any(0x80, 0x10FFFF);
  std::bernoulli_distribution coin(0.5);
  std::string text;
  while (codePoints-- > 0) {
    char32_t cp = coin(rng) ? ascii(rng) : any(rng);
    if (cp >= 0xD800 && cp <= 0xDFFF) cp -= 0x1000;  // surrogates are not valid in UTF-8
    appendUtf8(cp, text);
  }
  return text;
}

std::string readPrefix(const std::string& path, size_t bytes) {
  std::ifstream in(path, std::ios::binary);
  std::string text(bytes, '\0');
  in.read(text.data(), static_cast<std::streamsize>(bytes));
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

TEST_F(Gpt2TokenizerTest, RoundTripsSampleStrings) {
  const std::vector<std::string> samples = {
      "",
      "Hello world",
      "I'm sure it's fine, they've said we'll see what you'd do and they're right.",
      "Numbers: 0 7 42 3.14159 -17 1,000,000 2023-10-01",
      "multiple   spaces    and     more",
      "  leading and trailing  ",
      "tabs\tand\nnewlines\r\n\n\n and \t\t mixes \n",
      "café naïve résumé Zürich straße",
      "Ελληνικά Русский עברית العربية हिन्दी",
      "中文文本测试，这是一个句子。日本語のテキスト 한국어",
      "emoji 😀 👍🏽 🇫🇷 👨‍👩‍👧‍👦 ❤️",
      "mixed Latin中文Ελληνικά123😀!?",
      "<|endoftext|>",
      "\u00a0\u2003\u3000 unicode spaces \u2028\u2029\u0085\ufeff",
      std::string("nul\0byte", 8),
  };
  for (const std::string& text : samples) {
    EXPECT_EQ(tokenizer().decode(tokenizer().encode(text)), text) << text;
  }
}

TEST_F(Gpt2TokenizerTest, RoundTripsRandomValidUtf8) {
  std::mt19937 rng(20240601);
  std::uniform_int_distribution<size_t> length(0, 200);
  for (int i = 0; i < 300; ++i) {
    const std::string text = randomUtf8(rng, length(rng));
    ASSERT_EQ(tokenizer().decode(tokenizer().encode(text)), text) << "sample " << i;
  }
}

TEST_F(Gpt2TokenizerTest, KeepsBytesThatAreNotUtf8) {
  // Truncated sequences, stray continuation bytes, overlong forms, a lone surrogate.
  const std::string text =
      "ok \xc3\x28 \xa0\xa1 \xe2\x82 x\xf0\x28\x8c\xbc \xc0\xaf \xed\xa0\x80 end";
  EXPECT_EQ(tokenizer().decode(tokenizer().encode(text)), text);

  std::mt19937 rng(99);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < 100; ++i) {
    std::string bytes(100, '\0');
    for (char& c : bytes) c = static_cast<char>(byte(rng));
    ASSERT_EQ(tokenizer().decode(tokenizer().encode(bytes)), bytes) << "sample " << i;
  }
}

TEST_F(Gpt2TokenizerTest, DecodeSkipsEndOfTextAndRejectsUnknownIds) {
  const int32_t eot = tokenizer().eosId();
  EXPECT_EQ(tokenizer().decode({eot, 15496, 995, eot}), "Hello world");
  try {
    tokenizer().decode({15496, 50257});
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("50257"), std::string::npos) << e.what();
  }
}

TEST_F(Gpt2TokenizerTest, EncodesAMegabyteOfGsm8kQuickly) {
  const std::string path = std::string(COG_SHARED_DATA_DIR) + "/gsm8k/train.jsonl";
  const std::string text = readPrefix(path, 1 << 20);
  ASSERT_EQ(text.size(), 1u << 20) << "cannot read 1 MiB from " << path;

  // A fresh tokenizer, so the timing includes filling the piece cache.
  Gpt2Tokenizer fresh(gpt2DataDir() + "/vocab.json", gpt2DataDir() + "/merges.txt");
  const auto start = std::chrono::steady_clock::now();
  const std::vector<int32_t> ids = fresh.encode(text);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "[ perf ] gpt2 encode: 1 MiB GSM8K -> " << ids.size() << " tokens in " << seconds
            << " s (" << 1.0 / seconds << " MiB/s)\n";
  EXPECT_EQ(fresh.decode(ids), text);
#ifdef NDEBUG
  EXPECT_LT(seconds, 2.0) << "GPT-2 encoding is too slow for data loading";
#endif
}

TEST_F(Gpt2TokenizerTest, LongPiecesEncodeInLinearishTime) {
  // One 1 MiB word and one 1 MiB whitespace run: each is a single regex piece, which a
  // quadratic BPE loop (or a regex with a tiny backtracking stack) could not handle.
  for (const std::string& text :
       {std::string(1 << 20, 'a'), std::string(1 << 20, ' '), std::string(1 << 19, ' ') + "x"}) {
    const auto start = std::chrono::steady_clock::now();
    const std::vector<int32_t> ids = tokenizer().encode(text);
    [[maybe_unused]] const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(tokenizer().decode(ids), text);
#ifdef NDEBUG
    EXPECT_LT(seconds, 5.0) << "text of " << text.size() << " bytes starting with '" << text[0]
                            << "'";
#endif
  }
}

TEST_F(Gpt2TokenizerTest, ConcurrentEncodesAgreeWithSerialOnes) {
  std::mt19937 rng(7);
  std::vector<std::string> texts;
  std::vector<std::vector<int32_t>> expected;
  for (int i = 0; i < 50; ++i) {
    texts.push_back(randomUtf8(rng, 100) + " the same common words in every text");
  }
  const Gpt2Tokenizer fresh(gpt2DataDir() + "/vocab.json", gpt2DataDir() + "/merges.txt");
  for (const auto& text : texts) expected.push_back(tokenizer().encode(text));

  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        for (size_t i = 0; i < texts.size(); ++i) {
          if (fresh.encode(texts[i]) != expected[i]) ++mismatches[t];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

}  // namespace
}  // namespace cog::test
