#include "comms/wire/codec.hpp"

#include <cereal/archives/portable_binary.hpp>
#include <istream>
#include <ostream>
#include <sstream>
#include <streambuf>
#include <type_traits>

#include "comms/wire/message_fields.hpp"

namespace cog::wire {
namespace {

// Appends straight into a std::string (cereal writes through rdbuf()->sputn), avoiding
// ostringstream's extra copy on every message.
class StringSink : public std::streambuf {
 public:
  explicit StringSink(std::string& out) : out_(out) {}

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    out_.append(s, static_cast<size_t>(n));
    return n;
  }
  int_type overflow(int_type c) override {
    if (!traits_type::eq_int_type(c, traits_type::eof()))
      out_.push_back(traits_type::to_char_type(c));
    return traits_type::not_eof(c);
  }

 private:
  std::string& out_;
};

// Reads a frame in place. The get area points into the caller's bytes, which are only ever
// read (std::streambuf wants char*, hence the cast).
class FrameSource : public std::streambuf {
 public:
  FrameSource(const void* data, size_t size) {
    char* begin = const_cast<char*>(static_cast<const char*>(data));
    setg(begin, begin, begin + size);
  }
  size_t remaining() const { return static_cast<size_t>(egptr() - gptr()); }
};

class Writer {
 public:
  // Always little-endian on the wire, so frames from any host look the same.
  explicit Writer(std::ostream& stream)
      : archive_(stream, cereal::PortableBinaryOutputArchive::Options::LittleEndian()) {}

  // A named field (message_fields.hpp): the name is not on the wire.
  template <typename T>
  Writer& operator()(const char* /*name*/, const T& value) {
    put(value);
    return *this;
  }
  template <typename T>
  void put(const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      archive_(static_cast<uint8_t>(v ? 1 : 0));
    } else if constexpr (std::is_enum_v<T>) {
      archive_(static_cast<std::underlying_type_t<T>>(v));
    } else if constexpr (std::is_arithmetic_v<T>) {
      archive_(v);
    } else {
      fields(*this, v);
    }
  }
  void put(const std::string& s) {
    archive_(static_cast<uint64_t>(s.size()));
    archive_(cereal::binary_data(s.data(), s.size()));
  }
  template <typename A, typename B>
  void put(const std::pair<A, B>& p) {
    put(p.first);
    put(p.second);
  }
  template <typename T>
  void put(const std::vector<T>& items) {
    archive_(static_cast<uint64_t>(items.size()));
    for (const auto& item : items) put(item);
  }

 private:
  cereal::PortableBinaryOutputArchive archive_;
};

// Thrown inside decode() only and turned into a DecodeResult there.
struct Failure {
  DecodeError error;
  std::string text;
};

template <typename T>
struct IsVector : std::false_type {};
template <typename T>
struct IsVector<std::vector<T>> : std::true_type {};
template <typename T>
struct IsPair : std::false_type {};
template <typename A, typename B>
struct IsPair<std::pair<A, B>> : std::true_type {};

template <typename T>
uint64_t minEncodedBytes();

// Sums the fewest bytes of each field of a message struct (message_fields.hpp).
struct MinBytes {
  uint64_t total = 0;
  template <typename T>
  MinBytes& operator()(const char* /*name*/, T& /*value*/) {
    total += minEncodedBytes<T>();
    return *this;
  }
};

// The fewest bytes a value of type T takes on the wire: a string or list is at least its
// u64 length.
template <typename T>
uint64_t minEncodedBytes() {
  if constexpr (std::is_same_v<T, bool>) {
    return 1;
  } else if constexpr (std::is_enum_v<T>) {
    return sizeof(std::underlying_type_t<T>);
  } else if constexpr (std::is_arithmetic_v<T>) {
    return sizeof(T);
  } else if constexpr (std::is_same_v<T, std::string> || IsVector<T>::value) {
    return sizeof(uint64_t);
  } else if constexpr (IsPair<T>::value) {
    return minEncodedBytes<typename T::first_type>() + minEncodedBytes<typename T::second_type>();
  } else {
    T probe{};
    MinBytes sum;
    fields(sum, probe);
    return sum.total > 0 ? sum.total : 1;
  }
}

class Reader {
 public:
  Reader(std::istream& stream, const FrameSource& source) : archive_(stream), source_(source) {}

  template <typename T>
  Reader& operator()(const char* /*name*/, T& value) {
    get(value);
    return *this;
  }
  template <typename T>
  void get(T& v) { getValue(v); }

 private:
  // Every read is checked first so garbage fails here with a clear reason, and cereal's
  // own short-read exception is only a backstop.
  void need(uint64_t bytes, const char* what) {
    if (bytes > source_.remaining()) {
      throw Failure{DecodeError::kTruncated, std::string(what) + " needs " + std::to_string(bytes) +
                                                 " bytes but only " +
                                                 std::to_string(source_.remaining()) + " are left"};
    }
  }
  template <typename T>
  void getValue(T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      uint8_t raw = 0;
      get(raw);
      if (raw > 1)
        throw Failure{DecodeError::kMalformed, "bool field holds " + std::to_string(raw)};
      v = raw == 1;
    } else if constexpr (std::is_same_v<T, MessageKind>) {
      // Its range is checked by decode(), which reports kUnknownKind.
      std::underlying_type_t<T> raw{};
      get(raw);
      v = static_cast<T>(raw);
    } else if constexpr (std::is_enum_v<T>) {
      std::underlying_type_t<T> raw{};
      get(raw);
      v = static_cast<T>(raw);
      if (!knownEnumValue(v)) {
        throw Failure{DecodeError::kMalformed, "unknown enum value " + std::to_string(raw)};
      }
    } else if constexpr (std::is_arithmetic_v<T>) {
      need(sizeof(T), "a number");
      archive_(v);
    } else {
      fields(*this, v);
    }
  }
  // A length prefix is trusted only up to its cap and the bytes left in the frame at
  // `element_bytes` (the fewest an element is encoded in) each, so a garbage length cannot
  // make us allocate more than a few times the frame.
  uint64_t getLength(const char* what, uint64_t cap, uint64_t element_bytes) {
    uint64_t n = 0;
    get(n);
    if (n > cap) {
      throw Failure{DecodeError::kOverLimit, std::string(what) + " of " + std::to_string(n) +
                                                 " exceeds the cap of " + std::to_string(cap)};
    }
    need(n * element_bytes, what);
    return n;
  }
  void getValue(std::string& s) {
    const uint64_t n = getLength("a string", kMaxStringBytes, 1);
    s.resize(static_cast<size_t>(n));
    archive_(cereal::binary_data(s.data(), s.size()));
  }
  template <typename A, typename B>
  void getValue(std::pair<A, B>& p) {
    get(p.first);
    get(p.second);
  }
  template <typename T>
  void getValue(std::vector<T>& items) {
    const uint64_t n = getLength("a list", kMaxListItems, minEncodedBytes<T>());
    items.clear();
    items.reserve(static_cast<size_t>(n));
    for (uint64_t i = 0; i < n; ++i) get(items.emplace_back());
  }

  cereal::PortableBinaryInputArchive archive_;
  const FrameSource& source_;
};

Message emptyMessage(MessageKind kind) {
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
  throw Failure{DecodeError::kUnknownKind,
                "unknown message kind " + std::to_string(static_cast<unsigned>(kind))};
}

std::string hex32(uint32_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << v;
  return os.str();
}

// The bytes before the first field: cereal's endianness flag (0 or 1), magic, version.
constexpr size_t kPrefixBytes = 1 + sizeof(uint32_t) + sizeof(uint16_t);

}  // namespace

std::string encode(const Envelope& header, const Message& body) {
  std::string frame;
  frame.reserve(128);
  {
    StringSink sink(frame);
    std::ostream stream(&sink);
    Writer writer(stream);  // writes the endianness flag
    Envelope envelope = header;
    envelope.magic = kWireMagic;
    envelope.version = kWireVersion;
    envelope.kind = kindOf(body);
    writer.put(envelope.magic);
    writer.put(envelope.version);
    fields(writer, envelope);
    std::visit([&](const auto& m) { fields(writer, m); }, body);
  }
  return frame;
}

const char* decodeErrorName(DecodeError error) {
  switch (error) {
    case DecodeError::kTruncated:
      return "truncated";
    case DecodeError::kMalformed:
      return "malformed";
    case DecodeError::kBadMagic:
      return "bad_magic";
    case DecodeError::kUnknownVersion:
      return "unknown_version";
    case DecodeError::kUnknownKind:
      return "unknown_kind";
    case DecodeError::kOverLimit:
      return "over_limit";
  }
  return "unknown";
}

DecodeResult decode(const void* data, size_t size) {
  DecodeResult result;
  try {
    if (size > kMaxFrameBytes) {
      throw Failure{DecodeError::kMalformed, "frame of " + std::to_string(size) +
                                                 " bytes exceeds the limit of " +
                                                 std::to_string(kMaxFrameBytes)};
    }
    const auto* bytes = static_cast<const unsigned char*>(data);
    if (size > 0 && bytes[0] > 1) {
      throw Failure{DecodeError::kBadMagic, "first byte " + std::to_string(bytes[0]) +
                                                " is not a Cog frame's endianness flag (0 or 1)"};
    }
    if (size < kPrefixBytes) {
      throw Failure{DecodeError::kTruncated, "frame of " + std::to_string(size) +
                                                 " bytes is shorter than the " +
                                                 std::to_string(kPrefixBytes) + " byte prefix"};
    }
    FrameSource source(data, size);
    std::istream stream(&source);
    Reader reader(stream, source);
    Envelope envelope;
    reader.get(envelope.magic);
    if (envelope.magic != kWireMagic) {
      throw Failure{DecodeError::kBadMagic, "magic " + hex32(envelope.magic) + " is not " +
                                                hex32(kWireMagic) + " (\"COGW\")"};
    }
    reader.get(envelope.version);
    if (envelope.version != kWireVersion) {
      throw Failure{DecodeError::kUnknownVersion, "wire version " +
                                                      std::to_string(envelope.version) +
                                                      " is not the version this build speaks (" +
                                                      std::to_string(kWireVersion) + ")"};
    }
    fields(reader, envelope);
    Message message = emptyMessage(envelope.kind);
    std::visit([&](auto& m) { fields(reader, m); }, message);
    if (source.remaining() != 0) {
      throw Failure{DecodeError::kMalformed, std::to_string(source.remaining()) +
                                                 " trailing bytes after a " +
                                                 kindName(envelope.kind) + " payload"};
    }
    result.decoded = Decoded{std::move(envelope), std::move(message)};
  } catch (const Failure& failure) {
    result.error = failure.error;
    result.error_text = failure.text;
  } catch (const cereal::Exception& e) {
    result.error = DecodeError::kTruncated;
    result.error_text = e.what();
  } catch (const std::exception& e) {  // e.g. bad_alloc: still never escapes
    result.error = DecodeError::kMalformed;
    result.error_text = e.what();
  }
  return result;
}

}  // namespace cog::wire
