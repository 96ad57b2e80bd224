#include "model/tokenizer/gpt2_pretokenizer.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <string>

#include "common/error.hpp"

namespace cog {
namespace {

constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

std::string pcre2Message(int code) {
  PCRE2_UCHAR buffer[256];
  const int length = pcre2_get_error_message(code, buffer, sizeof(buffer));
  if (length < 0) return "PCRE2 error " + std::to_string(code);
  return std::string(reinterpret_cast<const char*>(buffer), static_cast<size_t>(length));
}

// The one place PCRE2 return codes become exceptions. The pattern is a constant, so a
// failure here is a broken PCRE2 build, not a user mistake.
void pcre2Check(int code, const char* what) {
  if (code < 0) throw InvariantError(std::string("PCRE2 ") + what + ": " + pcre2Message(code));
}

}  // namespace

struct Gpt2Pretokenizer::Pattern {
  pcre2_code* code = nullptr;
  ~Pattern() { pcre2_code_free(code); }
};

Gpt2Pretokenizer::Gpt2Pretokenizer() : pattern_(std::make_unique<Pattern>()) {
  int errorCode = 0;
  PCRE2_SIZE errorOffset = 0;
  // UTF+UCP: \s, \p{L}, \p{N} follow Unicode, as Python's `regex` does for GPT-2.
  // MATCH_INVALID_UTF: invalid bytes fail to match instead of failing the whole call.
  pattern_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(kGpt2Pattern), PCRE2_ZERO_TERMINATED,
                                 PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &errorCode,
                                 &errorOffset, nullptr);
  if (pattern_->code == nullptr) {
    throw InvariantError("PCRE2 rejected GPT-2's pre-tokenisation pattern at offset " +
                         std::to_string(errorOffset) + ": " + pcre2Message(errorCode));
  }
  // JIT is several times faster; a PCRE2 built without it still matches, just slower.
  pcre2_jit_compile(pattern_->code, PCRE2_JIT_COMPLETE);
}

Gpt2Pretokenizer::~Gpt2Pretokenizer() = default;

std::vector<std::string_view> Gpt2Pretokenizer::split(std::string_view text) const {
  std::vector<std::string_view> pieces;
  std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> match(
      pcre2_match_data_create_from_pattern(pattern_->code, nullptr), &pcre2_match_data_free);
  if (!match) throw InvariantError("PCRE2: out of memory allocating match data");

  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t done = 0;  // text[0, done) is already in `pieces`
  while (done < text.size()) {
    const int rc = pcre2_match(pattern_->code, subject, text.size(), done, 0, match.get(), nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    pcre2Check(rc, "match");
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match.get());
    const size_t start = ovector[0];
    const size_t end = ovector[1];
    if (start > done) pieces.push_back(text.substr(done, start - done));  // invalid UTF-8
    if (end == start) {
      // Every branch consumes a character, so this cannot happen; stop rather than loop.
      throw InvariantError("GPT-2 pre-tokeniser matched an empty piece at byte " +
                           std::to_string(start));
    }
    pieces.push_back(text.substr(start, end - start));
    done = end;
  }
  if (done < text.size()) pieces.push_back(text.substr(done));
  return pieces;
}

}  // namespace cog
