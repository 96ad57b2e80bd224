#include "model/tokenizer/byte_unicode.hpp"

namespace cog {
namespace {

// Bytes GPT-2 keeps as their own character: '!'..'~', '¡'..'¬', '®'..'ÿ'.
bool isPrintableLatin1(uint32_t byte) {
  return (byte >= 0x21 && byte <= 0x7E) || (byte >= 0xA1 && byte <= 0xAC) ||
         (byte >= 0xAE && byte <= 0xFF);
}

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

// Inverse of byteToCodePoint; -1 when cp spells no byte.
int codePointToByte(char32_t cp) {
  if (cp < 0x100) return isPrintableLatin1(cp) ? static_cast<int>(cp) : -1;
  uint32_t shifted = 0x100;
  for (uint32_t byte = 0; byte < 0x100; ++byte) {
    if (isPrintableLatin1(byte)) continue;
    if (shifted == cp) return static_cast<int>(byte);
    ++shifted;
  }
  return -1;
}

// Decodes the two-byte sequences the table needs (all its code points are < U+0800);
// anything longer cannot spell a byte, so it is reported as invalid (-1).
char32_t nextCodePoint(std::string_view text, size_t& pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  if (lead < 0x80) {
    ++pos;
    return lead;
  }
  if ((lead & 0xE0) == 0xC0 && pos + 1 < text.size()) {
    const auto cont = static_cast<unsigned char>(text[pos + 1]);
    if ((cont & 0xC0) != 0x80) return static_cast<char32_t>(-1);
    pos += 2;
    return ((lead & 0x1F) << 6) | (cont & 0x3F);
  }
  return static_cast<char32_t>(-1);
}

}  // namespace

char32_t byteToCodePoint(uint8_t byte) {
  if (isPrintableLatin1(byte)) return byte;
  uint32_t shifted = 0x100;
  for (uint32_t other = 0; other < byte; ++other) {
    if (!isPrintableLatin1(other)) ++shifted;
  }
  return shifted;
}

std::string byteToUnicodeUtf8(uint8_t byte) {
  std::string out;
  appendUtf8(byteToCodePoint(byte), out);
  return out;
}

std::optional<std::string> unicodeToBytes(std::string_view token) {
  std::string bytes;
  size_t pos = 0;
  while (pos < token.size()) {
    const char32_t cp = nextCodePoint(token, pos);
    const int byte = cp == static_cast<char32_t>(-1) ? -1 : codePointToByte(cp);
    if (byte < 0) return std::nullopt;
    bytes.push_back(static_cast<char>(byte));
  }
  return bytes;
}

}  // namespace cog
