#include "worker/data/record_reader.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/error.hpp"

namespace cog::data {
namespace {

// A file with thousands of bad lines (wrong file picked, truncated download) would flood
// the log; after this many individual warnings only the final count is reported.
constexpr int64_t kMaxWarningsPerFile = 20;

// Counts skips for one file and rate-limits their warnings.
class SkipLog {
 public:
  SkipLog(const std::string& path, const WarningSink& warn) : path_(path), warn_(warn) {}

  void skip(const std::string& where, const std::string& what) {
    ++skipped_;
    if (skipped_ <= kMaxWarningsPerFile && warn_) {
      warn_(where + ": " + what + "; record skipped");
    }
  }

  // Called once the file is read: the summary for suppressed warnings, and the error
  // for a file that yielded nothing usable.
  void finish(int64_t valid, int64_t seen) const {
    if (skipped_ > kMaxWarningsPerFile && warn_) {
      warn_(path_ + ": " + std::to_string(skipped_) + " malformed records skipped (first " +
            std::to_string(kMaxWarningsPerFile) + " shown)");
    }
    if (valid == 0) {
      throw DataError(path_ + ": no valid record (" + std::to_string(seen) + " read, " +
                      std::to_string(skipped_) + " malformed)");
    }
  }

  int64_t skipped() const { return skipped_; }

 private:
  const std::string& path_;
  const WarningSink& warn_;
  int64_t skipped_ = 0;
};

bool isBlank(const std::string& line) {
  return line.find_first_not_of(" \t\r\n") == std::string::npos;
}

// Parses one record, converting every way it can be malformed into a skip.
void parseInto(const nlohmann::json& value, const RecordParser& parse, const std::string& where,
               SkipLog& log, LoadResult& result) {
  try {
    if (!value.is_object())
      throw MalformedRecord(std::string("expected a JSON object, found ") + value.type_name());
    result.records.push_back(parse(value));
  } catch (const MalformedRecord& e) {
    log.skip(where, e.what());
  } catch (const nlohmann::json::exception& e) {
    // A parser reached for a field with the wrong type without checking it first.
    log.skip(where, e.what());
  }
}

std::ifstream openOrThrow(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError("cannot open " + path + ": " + std::strerror(errno));
  return in;
}

}  // namespace

LoadResult readJsonLines(const std::string& path, const RecordParser& parse,
                         const WarningSink& warn) {
  std::ifstream in = openOrThrow(path);
  LoadResult result;
  SkipLog log(path, warn);
  std::string line;
  int64_t lineNo = 0;
  int64_t seen = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    if (isBlank(line)) continue;
    if (line.back() == '\r') line.pop_back();
    ++seen;
    const std::string where = path + ":" + std::to_string(lineNo);
    nlohmann::json value;
    try {
      value = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      // parse_error, and out_of_range for a number beyond double ("3e363"): found by
      // tests/fuzz/dataset_loaders_fuzz, whose input is now in its corpus.
      log.skip(where, std::string("bad JSON: ") + e.what());
      continue;
    }
    parseInto(value, parse, where, log, result);
  }
  if (in.bad()) throw DataError("read error in " + path + " after line " + std::to_string(lineNo));
  result.skipped = log.skipped();
  log.finish(static_cast<int64_t>(result.records.size()), seen);
  return result;
}

LoadResult readJsonArray(const std::string& path, const RecordParser& parse,
                         const WarningSink& warn) {
  std::ifstream in = openOrThrow(path);
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or a number beyond double
    throw DataError(path + ": not valid JSON: " + e.what());
  }
  if (!doc.is_array()) {
    throw DataError(path + ": expected a JSON array of records, found " +
                    std::string(doc.type_name()));
  }
  LoadResult result;
  SkipLog log(path, warn);
  for (size_t i = 0; i < doc.size(); ++i) {
    parseInto(doc[i], parse, path + ": element [" + std::to_string(i) + "]", log, result);
  }
  result.skipped = log.skipped();
  log.finish(static_cast<int64_t>(result.records.size()), static_cast<int64_t>(doc.size()));
  return result;
}

const nlohmann::json& requireField(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end()) throw MalformedRecord(std::string("missing field '") + key + "'");
  return *it;
}

std::string requireString(const nlohmann::json& object, const char* key) {
  const nlohmann::json& value = requireField(object, key);
  if (!value.is_string()) {
    throw MalformedRecord(std::string("field '") + key + "' is " + value.type_name() +
                          ", expected string");
  }
  return value.get<std::string>();
}

const nlohmann::json& requireArray(const nlohmann::json& object, const char* key) {
  const nlohmann::json& value = requireField(object, key);
  if (!value.is_array()) {
    throw MalformedRecord(std::string("field '") + key + "' is " + value.type_name() +
                          ", expected array");
  }
  return value;
}

}  // namespace cog::data
