#pragma once
// GPT-2's bytes_to_unicode table (openai/gpt-2 encoder.py). vocab.json and merges.txt
// spell every token as a string of printable characters, one per byte: printable Latin-1
// bytes stand for themselves, the other 68 bytes (controls, space, 0x7F-0xA0, 0xAD) are
// shifted to U+0100..U+0143 in byte order, so the space byte is 'Ġ' (U+0120).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cog {

// The code point GPT-2 uses to spell `byte`.
char32_t byteToCodePoint(uint8_t byte);

// UTF-8 of byteToCodePoint(byte), as it appears inside vocab.json / merges.txt.
std::string byteToUnicodeUtf8(uint8_t byte);

// Turns a token as spelled in vocab.json back into the raw bytes it stands for. Empty when
// the text is not valid UTF-8 or holds a character outside the table.
std::optional<std::string> unicodeToBytes(std::string_view token);

}  // namespace cog
