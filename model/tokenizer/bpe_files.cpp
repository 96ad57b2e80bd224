#include "model/tokenizer/bpe_files.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace cog {
namespace {

// Opens `path` for reading or says precisely why not; `what` names the file's role.
std::ifstream openOrThrow(const std::string& path, const std::string& what) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw DataError(what + " '" + path + "' does not exist");
  }
  if (std::filesystem::is_directory(path, ec)) {
    throw DataError(what + " '" + path + "' is a directory, not a file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw DataError(what + " '" + path + "' cannot be opened: " + std::strerror(errno));
  }
  return in;
}

}  // namespace

std::vector<std::string> readVocabJson(const std::string& path) {
  std::ifstream in = openOrThrow(path, "GPT-2 vocab file");
  nlohmann::json json;
  try {
    in >> json;
  } catch (const nlohmann::json::exception& e) {
    throw DataError("GPT-2 vocab file '" + path + "' is not valid JSON: " + e.what());
  }
  if (!json.is_object() || json.empty()) {
    throw DataError("GPT-2 vocab file '" + path +
                    "' must be a non-empty JSON object mapping token strings to ids");
  }

  std::vector<std::string> tokens(json.size());
  std::vector<bool> seen(json.size(), false);
  for (const auto& [token, value] : json.items()) {
    if (!value.is_number_integer()) {
      throw DataError("GPT-2 vocab file '" + path + "': token '" + token + "' has id " +
                      value.dump() + ", expected an integer");
    }
    const auto id = value.get<int64_t>();
    if (id < 0 || id >= static_cast<int64_t>(tokens.size())) {
      throw DataError("GPT-2 vocab file '" + path + "': token '" + token + "' has id " +
                      std::to_string(id) + ", outside 0.." + std::to_string(tokens.size() - 1) +
                      " (ids must be dense)");
    }
    if (seen[id]) {
      throw DataError("GPT-2 vocab file '" + path + "': id " + std::to_string(id) +
                      " is used by both '" + tokens[id] + "' and '" + token + "'");
    }
    seen[id] = true;
    tokens[id] = token;
  }
  return tokens;
}

BpeMerger readMergesTxt(const std::string& path,
                        const std::unordered_map<std::string, int32_t>& tokenIds) {
  std::ifstream in = openOrThrow(path, "GPT-2 merges file");
  BpeMerger merger;
  auto idOf = [&](const std::string& token, size_t lineNumber) {
    const auto it = tokenIds.find(token);
    if (it == tokenIds.end()) {
      throw DataError("GPT-2 merges file '" + path + "' line " + std::to_string(lineNumber) +
                      ": token '" + token + "' is not in the vocab file");
    }
    return it->second;
  };

  std::string line;
  size_t lineNumber = 0;
  int32_t rank = 0;
  while (std::getline(in, line)) {
    ++lineNumber;
    if (!line.empty() && line.back() == '\r') line.pop_back();  // files saved on Windows
    if (line.empty()) continue;
    if (lineNumber == 1 && line.rfind("#version", 0) == 0) continue;
    // Tokens never contain a space (GPT-2 spells the space byte 'Ġ'), so one space splits.
    const size_t space = line.find(' ');
    if (space == std::string::npos || space == 0 || space + 1 == line.size() ||
        line.find(' ', space + 1) != std::string::npos) {
      throw DataError("GPT-2 merges file '" + path + "' line " + std::to_string(lineNumber) +
                      ": expected two tokens separated by one space, got '" + line + "'");
    }
    const std::string left = line.substr(0, space);
    const std::string right = line.substr(space + 1);
    // Looked up one by one so an error names the first unknown token of the line.
    const int32_t leftId = idOf(left, lineNumber);
    const int32_t rightId = idOf(right, lineNumber);
    merger.addMerge(leftId, rightId, idOf(left + right, lineNumber), rank++);
  }
  if (in.bad()) {
    throw DataError("GPT-2 merges file '" + path + "': read failed after line " +
                    std::to_string(lineNumber) + ": " + std::strerror(errno));
  }
  if (rank == 0) throw DataError("GPT-2 merges file '" + path + "' has no merge lines");
  return merger;
}

}  // namespace cog
