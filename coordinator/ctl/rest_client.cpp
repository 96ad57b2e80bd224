#include "coordinator/ctl/rest_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>

#include "coordinator/ctl/ctl_error.hpp"

namespace cog::ctl {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

// Replies larger than this are refused rather than held: the REST routes page their rows
// (logs at most 16 MiB a chunk), so a bigger reply is not the coordinator's.
constexpr uint64_t kMaxReplyBytes = 64ull << 20;

ExitCode exitCodeOf(int status) {
  switch (status) {
    case 400:
    case 405:
      return ExitCode::kUsage;
    case 401:
    case 403:
      return ExitCode::kRefused;
    case 404:
      return ExitCode::kNotFound;
    case 409:
      return ExitCode::kConflict;
    default:
      return ExitCode::kFailure;
  }
}

}  // namespace

RestClient::RestClient(CtlTarget target, std::chrono::milliseconds deadline)
    : target_(std::move(target)), deadline_(deadline) {}

RestReply RestClient::get(const std::string& target) const { return request(false, target, ""); }

RestReply RestClient::post(const std::string& target, const std::string& body) const {
  return request(true, target, body);
}

// Asynchronous operations run to a deadline on a private io_context: Beast's synchronous
// calls ignore tcp_stream's timeouts.
RestReply RestClient::request(bool post, const std::string& target, const std::string& body) const {
  boost::asio::io_context io;
  tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  http::request<http::string_body> req{post ? http::verb::post : http::verb::get, target, 11};
  req.set(http::field::host, target_.host);
  req.set(http::field::user_agent, "cogctl");
  if (!target_.token.empty()) req.set(http::field::authorization, "Bearer " + target_.token);
  if (post) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxReplyBytes);
  beast::error_code failure;
  std::string failed_at;
  bool done = false;
  auto fail = [&](const beast::error_code& ec, const char* step) {
    failure = ec;
    failed_at = step;
  };

  stream.expires_after(deadline_);
  resolver.async_resolve(target_.host, target_.port, [&](beast::error_code ec, tcp::resolver::results_type results) {
    if (ec) return fail(ec, "resolving");
    stream.async_connect(results, [&](beast::error_code ec, const tcp::endpoint&) {
      if (ec) return fail(ec, "connecting to");
      http::async_write(stream, req, [&](beast::error_code ec, size_t) {
        if (ec) return fail(ec, "sending to");
        http::async_read(stream, buffer, parser, [&](beast::error_code ec, size_t) {
          if (ec) return fail(ec, "reading the reply of");
          done = true;
        });
      });
    });
  });
  io.run_for(deadline_ + std::chrono::seconds(1));
  if (!done) {
    std::string why = failure ? failure.message() : "no reply within the deadline";
    throw CtlError(ExitCode::kUnreachable, "no coordinator answered at " + url() + " (" +
                                               (failed_at.empty() ? std::string("waiting for") : failed_at) +
                                               " it: " + why + "); the address came from " + target_.source +
                                               ". Is cogcoord running? Give --url or --state-dir");
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  const auto& res = parser.get();
  return RestReply{static_cast<int>(res.result_int()), res.body()};
}

nlohmann::json RestClient::requireJson(const RestReply& reply, const std::string& what) const {
  auto parsed = nlohmann::json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
  if (reply.status >= 200 && reply.status < 300) {
    if (parsed.is_discarded()) {
      throw CtlError(ExitCode::kFailure, what + " answered " + std::to_string(reply.status) + " with a body that is not JSON");
    }
    return parsed;
  }
  // The coordinator's errors are {"error": ..., "detail": ...}; show its own words.
  std::string detail = reply.body;
  if (!parsed.is_discarded() && parsed.is_object()) {
    detail = parsed.value("detail", parsed.value("error", reply.body));
  }
  throw CtlError(exitCodeOf(reply.status), what + ": " + std::to_string(reply.status) + " " + detail);
}

nlohmann::json RestClient::getJson(const std::string& target) const {
  return requireJson(get(target), "GET " + target);
}

nlohmann::json RestClient::postJson(const std::string& target, const std::string& body) const {
  if (target_.token.empty()) {
    throw CtlError(ExitCode::kRefused,
                   "POST " + target + " needs the coordinator's token: give --token, --state-dir (its api_token), "
                   "or COG_TOKEN");
  }
  return requireJson(post(target, body), "POST " + target);
}

std::string urlEncode(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace cog::ctl
