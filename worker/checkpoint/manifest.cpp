#include "worker/checkpoint/manifest.hpp"

#include <cctype>
#include <system_error>

#include "common/error.hpp"
#include "worker/checkpoint/checkpoint_names.hpp"
#include "worker/checkpoint/durable_io.hpp"

namespace cog::checkpoint {

namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::filesystem::path& source, const std::string& what) {
  throw CheckpointError("checkpoint manifest " + source.string() + ": " + what);
}

const json& require(const json& object, const char* key, json::value_t type,
                    const std::filesystem::path& source, const std::string& where) {
  const auto it = object.find(key);
  if (it == object.end()) fail(source, "missing key " + where + key);
  const bool ok = type == json::value_t::number_unsigned  ? it->is_number_unsigned()
                  : type == json::value_t::number_integer ? it->is_number_integer()
                                                          : it->type() == type;
  if (!ok) fail(source, "key " + where + key + " has the wrong type: " + it->dump());
  return *it;
}

uint32_t parseCrc(const std::string& text, const std::filesystem::path& source,
                  const std::string& file) {
  bool ok = text.size() == 8;
  for (const char c : text) ok = ok && std::isxdigit(static_cast<unsigned char>(c));
  if (!ok) fail(source, "files." + file + ".crc32 is not 8 hex digits: '" + text + "'");
  return static_cast<uint32_t>(std::stoul(text, nullptr, 16));
}

}  // namespace

void validateFileName(const std::string& file) {
  const auto reject = [&](const char* why) {
    throw CheckpointError("invalid checkpoint file name '" + file + "': " + why);
  };
  if (file.empty()) reject("it is empty");
  if (file.front() == '/') reject("it is absolute");
  if (file == kManifestFileName) reject("manifest.json is written by the checkpoint itself");
  if (file.find('\0') != std::string::npos) reject("it contains a NUL byte");
  size_t begin = 0;
  while (begin <= file.size()) {
    size_t end = file.find('/', begin);
    if (end == std::string::npos) end = file.size();
    const std::string part = file.substr(begin, end - begin);
    if (part.empty() || part == "." || part == "..") {
      reject("empty, '.' or '..' path components are not allowed");
    }
    begin = end + 1;
  }
}

std::string serializeManifest(const Manifest& manifest) {
  json files = json::object();
  for (const auto& [name, record] : manifest.files) {
    files[name] = {{"bytes", record.bytes}, {"crc32", crc32Hex(record.crc32)}};
  }
  const json doc = {{"format", kManifestFormat}, {"version", kManifestVersion},
                    {"name", manifest.name},     {"created_unix", manifest.created_unix},
                    {"files", std::move(files)}, {"meta", manifest.meta}};
  return doc.dump(2) + "\n";
}

Manifest parseManifest(const std::string& text, const std::filesystem::path& source) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for a number beyond double
    fail(source, std::string("is not valid JSON: ") + e.what());
  }
  if (!doc.is_object()) fail(source, "is not a JSON object");

  const std::string format =
      require(doc, "format", json::value_t::string, source, "").get<std::string>();
  if (format != kManifestFormat) {
    fail(source, "format is '" + format + "', expected '" + kManifestFormat + "'");
  }
  const json& version = require(doc, "version", json::value_t::number_integer, source, "");
  if (version.get<int64_t>() != kManifestVersion) {
    fail(source, "version " + version.dump() + " is not supported (this build reads version " +
                     std::to_string(kManifestVersion) + ")");
  }

  Manifest manifest;
  manifest.name = require(doc, "name", json::value_t::string, source, "").get<std::string>();
  manifest.created_unix =
      require(doc, "created_unix", json::value_t::number_integer, source, "").get<int64_t>();
  manifest.meta = require(doc, "meta", json::value_t::object, source, "");
  const json& files = require(doc, "files", json::value_t::object, source, "");
  for (const auto& [name, entry] : files.items()) {
    try {
      validateFileName(name);
    } catch (const CheckpointError& e) {
      fail(source, e.what());
    }
    if (!entry.is_object()) fail(source, "files." + name + " is not an object");
    const std::string where = "files." + name + ".";
    FileRecord record;
    record.bytes =
        require(entry, "bytes", json::value_t::number_unsigned, source, where).get<uint64_t>();
    record.crc32 =
        parseCrc(require(entry, "crc32", json::value_t::string, source, where).get<std::string>(),
                 source, name);
    manifest.files.emplace(name, record);
  }
  return manifest;
}

Manifest loadManifest(const std::filesystem::path& directory) {
  const std::filesystem::path path = directory / kManifestFileName;
  std::error_code ec;
  if (!std::filesystem::is_directory(directory, ec)) {
    throw CheckpointError("checkpoint " + directory.string() +
                          " does not exist or is not a directory");
  }
  if (!std::filesystem::exists(path, ec)) {
    throw CheckpointError("checkpoint " + directory.string() +
                          " has no manifest.json: it is not a complete checkpoint");
  }
  const std::vector<uint8_t> bytes = readFileBytes(path);
  return parseManifest(std::string(bytes.begin(), bytes.end()), path);
}

}  // namespace cog::checkpoint
