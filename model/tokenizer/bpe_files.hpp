#pragma once
// Readers for the two files a byte-level BPE tokenizer ships as (GPT-2 / Hugging Face
// layout). Any problem throws cog::DataError naming the path and what is wrong.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/tokenizer/bpe.hpp"

namespace cog {

// vocab.json: one JSON object {"token": id, ...}. Ids must be exactly 0..N-1, each once.
// Returns the tokens indexed by id, spelled as in the file (GPT-2's byte characters).
std::vector<std::string> readVocabJson(const std::string& path);

// merges.txt: an optional "#version" first line, then one "A B" merge per line, most
// frequent first (line order is the rank). A, B and AB must all be in `tokenIds`.
BpeMerger readMergesTxt(const std::string& path,
                        const std::unordered_map<std::string, int32_t>& tokenIds);

}  // namespace cog
