#pragma once
// Reading a dataset file record by record with the same skip policy for every format: a
// malformed record (bad JSON, missing field, wrong type) is skipped, counted and warned
// about with `file:line` and what is wrong; a file without one valid record is an error.
// Internal to cog_data: the format-specific parsers sit on top (record_loaders.cpp).
#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "worker/data/load_result.hpp"
#include "worker/data/warning_sink.hpp"

namespace cog::data {

// Thrown by a RecordParser for one bad record; the reader turns it into a warning and a
// skip. The message says what is wrong ("missing field 'answer'"), the reader adds where.
class MalformedRecord : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using RecordParser = std::function<QaRecord(const nlohmann::json&)>;

// One JSON object per line (GSM8K, MBPP, ARC, HellaSwag). Blank lines are ignored and a
// trailing '\r' is stripped. Throws DataError when the file cannot be opened or holds no
// valid record.
LoadResult readJsonLines(const std::string& path, const RecordParser& parse,
                         const WarningSink& warn);

// One JSON array of objects (SVAMP). A file that is not valid JSON as a whole is a
// DataError; bad elements are skipped and warned as `file: element [i]`.
LoadResult readJsonArray(const std::string& path, const RecordParser& parse,
                         const WarningSink& warn);

// Field access for parsers: throws MalformedRecord naming the key and, for a wrong
// type, the type found.
const nlohmann::json& requireField(const nlohmann::json& object, const char* key);
std::string requireString(const nlohmann::json& object, const char* key);
const nlohmann::json& requireArray(const nlohmann::json& object, const char* key);

}  // namespace cog::data
