#include "comms/wire/jsonl_codec.hpp"

#include <nlohmann/json.hpp>

#include "comms/wire/json_number.hpp"
#include "comms/wire/message_fields.hpp"

namespace cog::wire {
namespace {

// ordered_json: keys stay in field-list order, and scalars in the order they were reported.
using Json = nlohmann::ordered_json;

constexpr MessageKind kKinds[] = {MessageKind::kHello,           MessageKind::kHeartbeat,
                                  MessageKind::kMetrics,         MessageKind::kValidation,
                                  MessageKind::kEvent,           MessageKind::kCommand,
                                  MessageKind::kCheckpointSaved, MessageKind::kRunFinished};

Json number(double v) { return jsonNumber<Json>(v); }

class JsonWriter {
 public:
  explicit JsonWriter(Json& out) : out_(out) {}

  template <typename T>
  JsonWriter& operator()(const char* name, const T& value) {
    out_[name] = toJson(value);
    return *this;
  }

 private:
  template <typename T>
  static Json toJson(const T& v) {
    if constexpr (std::is_same_v<T, bool> || std::is_integral_v<T>) {
      return v;
    } else if constexpr (std::is_floating_point_v<T>) {
      return number(v);
    } else if constexpr (std::is_same_v<T, CommandKind>) {
      return commandName(v);
    } else if constexpr (std::is_same_v<T, RunEnd>) {
      return runEndName(v);
    } else if constexpr (std::is_same_v<T, MessageKind>) {
      return kindName(v);
    } else if constexpr (std::is_same_v<T, std::string>) {
      return v;
    } else if constexpr (std::is_same_v<T, Scalars>) {
      Json object = Json::object();
      for (const auto& [name, value] : v) object[name] = number(value);
      return object;
    } else if constexpr (std::is_same_v<T, std::vector<Sample>>) {
      Json array = Json::array();
      for (const auto& item : v) array.push_back(toJson(item));
      return array;
    } else {
      Json object = Json::object();
      JsonWriter writer(object);
      fields(writer, v);
      return object;
    }
  }

  Json& out_;
};

// Thrown inside decodeJsonLine only.
struct BadLine {
  std::string text;
};

class JsonReader {
 public:
  explicit JsonReader(const Json& in) : in_(in) {}

  template <typename T>
  JsonReader& operator()(const char* name, T& value) {
    const auto it = in_.find(name);
    if (it == in_.end()) throw BadLine{std::string("no \"") + name + "\" key"};
    fromJson(*it, value, name);
    return *this;
  }

 private:
  static double numberFrom(const Json& j, const char* name) {
    if (const auto v = numberFromJson(j)) return *v;
    throw BadLine{std::string("\"") + name + "\" is " + j.dump() + ", not a number"};
  }

  template <typename T>
  static void fromJson(const Json& j, T& v, const char* name) {
    if constexpr (std::is_same_v<T, bool>) {
      if (!j.is_boolean()) throw BadLine{std::string("\"") + name + "\" is not true or false"};
      v = j.get<bool>();
    } else if constexpr (std::is_integral_v<T>) {
      if (!j.is_number_integer()) throw BadLine{std::string("\"") + name + "\" is not an integer"};
      v = j.get<T>();
    } else if constexpr (std::is_floating_point_v<T>) {
      v = numberFrom(j, name);
    } else if constexpr (std::is_same_v<T, RunEnd>) {
      const auto parsed = j.is_string() ? runEndFromName(j.get<std::string>()) : std::nullopt;
      if (!parsed)
        throw BadLine{std::string("\"") + name + "\" is " + j.dump() + ", not a run end"};
      v = *parsed;
    } else if constexpr (std::is_same_v<T, CommandKind>) {
      if (j == "stop")
        v = CommandKind::kStop;
      else if (j == "checkpoint_now")
        v = CommandKind::kCheckpointNow;
      else
        throw BadLine{std::string("\"") + name + "\" is " + j.dump() + ", not a command"};
    } else if constexpr (std::is_same_v<T, MessageKind>) {
      v = kindFromName(j, name);
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!j.is_string()) throw BadLine{std::string("\"") + name + "\" is not a string"};
      v = j.get<std::string>();
    } else if constexpr (std::is_same_v<T, Scalars>) {
      if (!j.is_object())
        throw BadLine{std::string("\"") + name + "\" is not an object of numbers"};
      v.clear();
      for (const auto& [key, value] : j.items())
        v.emplace_back(key, numberFrom(value, key.c_str()));
    } else if constexpr (std::is_same_v<T, std::vector<Sample>>) {
      if (!j.is_array()) throw BadLine{std::string("\"") + name + "\" is not an array"};
      v.clear();
      for (const auto& item : j) fromJson(item, v.emplace_back(), name);
    } else {
      if (!j.is_object()) throw BadLine{std::string("\"") + name + "\" is not an object"};
      JsonReader reader(j);
      fields(reader, v);
    }
  }

  static MessageKind kindFromName(const Json& j, const char* name) {
    for (MessageKind k : kKinds) {
      if (j == kindName(k)) return k;
    }
    throw BadLine{std::string("\"") + name + "\" is " + j.dump() + ", not a message kind"};
  }

  const Json& in_;
};

Message emptyOf(MessageKind kind) {
  switch (kind) {
    case MessageKind::kHello:
      return Hello{};
    case MessageKind::kHeartbeat:
      return Heartbeat{};
    case MessageKind::kMetrics:
      return Metrics{};
    case MessageKind::kValidation:
      return Validation{};
    case MessageKind::kEvent:
      return Event{};
    case MessageKind::kCommand:
      return Command{};
    case MessageKind::kCheckpointSaved:
      return CheckpointSaved{};
    case MessageKind::kRunFinished:
      return RunFinished{};
  }
  return Event{};
}

}  // namespace

const char* jsonlTypeName(MessageKind kind) {
  switch (kind) {
    case MessageKind::kMetrics:
      return "step";  // the name metrics.jsonl has always used
    case MessageKind::kCheckpointSaved:
      return "checkpoint";
    case MessageKind::kRunFinished:
      return "finished";
    default:
      return kindName(kind);
  }
}

std::string encodeJsonLine(const Message& message) {
  Json line = Json::object();
  line["v"] = kWireVersion;
  line["type"] = jsonlTypeName(kindOf(message));
  JsonWriter writer(line);
  std::visit([&](const auto& m) { fields(writer, m); }, message);
  return line.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string samplesJson(const std::vector<Sample>& samples) {
  Json holder = Json::object();
  JsonWriter writer(holder);
  writer("samples", samples);
  return holder["samples"].dump(-1, ' ', false, Json::error_handler_t::replace);
}

JsonLine decodeJsonLine(std::string_view text) {
  JsonLine result;
  try {
    const Json line = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (line.is_discarded()) throw BadLine{"not JSON (a line cut short by a crash?)"};
    if (!line.is_object()) throw BadLine{"not a JSON object"};
    const auto v = line.find("v");
    if (v == line.end() || !v->is_number_integer()) {
      throw BadLine{"no version \"v\" (written by a cogworker older than wire version 2?)"};
    }
    if (v->get<int64_t>() != kWireVersion) {
      throw BadLine{"version " + v->dump() + " is not the version this build reads (" +
                    std::to_string(kWireVersion) + ")"};
    }
    const auto type = line.find("type");
    std::optional<MessageKind> kind;
    for (MessageKind k : kKinds) {
      if (type != line.end() && *type == jsonlTypeName(k)) kind = k;
    }
    if (!kind)
      throw BadLine{"unknown \"type\" " +
                    (type == line.end() ? std::string("(none)") : type->dump())};
    Message message = emptyOf(*kind);
    JsonReader reader(line);
    std::visit([&](auto& m) { fields(reader, m); }, message);
    result.message = std::move(message);
  } catch (const BadLine& bad) {
    result.error = bad.text;
  } catch (const std::exception& e) {  // nlohmann's own type errors: still never escapes
    result.error = e.what();
  }
  return result;
}

}  // namespace cog::wire
