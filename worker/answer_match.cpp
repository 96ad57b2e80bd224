#include "worker/answer_match.hpp"

#include <cctype>
#include <cstdlib>

namespace cog::worker {
namespace {

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

// "1,234.50" -> "1234.5"; non-numbers are returned unchanged.
std::string canonicalNumber(std::string s) {
  std::string digits;
  for (char c : s) {
    if (c != ',') digits += c;
  }
  if (digits.empty()) return s;
  char* end = nullptr;
  const double v = std::strtod(digits.c_str(), &end);
  if (end != digits.c_str() + digits.size()) return s;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

std::string normalise(std::string s) {
  s = trim(s);
  while (!s.empty() && s.back() == '.') s.pop_back();
  if (!s.empty() && s.front() == '$') s.erase(0, 1);
  return canonicalNumber(trim(s));
}

}  // namespace

std::string extractAnswer(const std::string& source, const std::string& generated) {
  std::string text = generated;
  if (source == "gsm8k") {
    const auto hashes = text.find("####");
    if (hashes == std::string::npos) return "";
    text = text.substr(hashes + 4);
  }
  const auto next_question = text.find("Q:");
  if (next_question != std::string::npos) text = text.substr(0, next_question);
  // MBPP answers are code spanning lines; every other source answers on one line.
  if (source != "mbpp") {
    const auto newline = text.find('\n');
    if (newline != std::string::npos) text = text.substr(0, newline);
  }
  return trim(text);
}

std::string extractLastNumber(const std::string& generated) {
  std::string text = generated.substr(0, generated.find("Q:"));
  auto digit = [&](size_t i) { return i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); };
  std::string last;
  for (size_t i = 0; i < text.size();) {
    if (!digit(i)) {
      ++i;
      continue;
    }
    const size_t begin = i > 0 && text[i - 1] == '-' ? i - 1 : i;
    // Digits, with ',' between digit groups and one '.' followed by a digit.
    bool seen_point = false;
    while (digit(i) || ((text[i] == ',' || (text[i] == '.' && !seen_point)) && digit(i + 1))) {
      if (text[i] == '.') seen_point = true;
      ++i;
    }
    last = text.substr(begin, i - begin);
  }
  return last;
}

bool answersMatch(const std::string& extracted, const std::string& reference) {
  return !extracted.empty() && normalise(extracted) == normalise(reference);
}

}  // namespace cog::worker
