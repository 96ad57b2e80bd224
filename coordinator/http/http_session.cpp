#include "coordinator/http/http_session.hpp"

#include <algorithm>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <string_view>

namespace cog::coord::detail {

namespace beast = boost::beast;
namespace http = boost::beast::http;

namespace {

// Parse failures that deserve an answer before closing, and the one they get. Others
// (reset, timeout, end of stream, a message cut off) just close the connection.
std::optional<HttpResponse> parseErrorResponse(const beast::error_code& ec,
                                               const HttpServerLimits& limits) {
  if (ec == http::error::body_limit) {
    return errorResponse(HttpErrorKind::kPayloadTooLarge,
                         "request body is over the limit of " +
                             std::to_string(limits.max_body_bytes) + " bytes; send a smaller body");
  }
  if (ec == http::error::header_limit) {
    return errorResponse(HttpErrorKind::kHeadersTooLarge,
                         "request header block is over the limit of " +
                             std::to_string(limits.max_header_bytes) +
                             " bytes; send fewer or shorter headers");
  }
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) return std::nullopt;
  if (ec.category() == beast::error_code(http::error::bad_method).category()) {
    return errorResponse(HttpErrorKind::kBadRequest,
                         "malformed HTTP request (" + ec.message() + "); send HTTP/1.1");
  }
  return std::nullopt;
}

std::string_view view(beast::string_view s) { return std::string_view(s.data(), s.size()); }

// How long a closing connection may keep sending before it is cut off.
constexpr std::chrono::milliseconds kLinger{2000};

}  // namespace

HttpSession::HttpSession(boost::asio::ip::tcp::socket socket,
                         std::shared_ptr<HttpServerState> state, bool overloaded)
    : stream_(std::move(socket)),
      state_(std::move(state)),
      overloaded_(overloaded),
      id_(state_->nextSessionId++) {
  ++(overloaded_ ? state_->rejecting : state_->served);
}

HttpSession::~HttpSession() {
  --(overloaded_ ? state_->rejecting : state_->served);
  state_->sessions.erase(id_);
}

void HttpSession::run() {
  state_->sessions.emplace(id_, weak_from_this());
  readRequest();
}

void HttpSession::close() {
  stream_.close();  // also cancels the deadline timer
}

void HttpSession::readRequest() {
  parser_.emplace();
  parser_->body_limit(state_->limits.max_body_bytes);
  parser_->header_limit(static_cast<std::uint32_t>(state_->limits.max_header_bytes));
  // The deadline covers the whole request, and the idle time before it on keep-alive.
  stream_.expires_after(state_->limits.read_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, size_t) { self->onRead(ec); });
}

void HttpSession::onRead(beast::error_code ec) {
  if (state_->stopped) return close();
  if (ec == http::error::end_of_stream) return shutdown();
  if (ec) {
    if (std::optional<HttpResponse> answer = parseErrorResponse(ec, state_->limits)) {
      return respond(std::move(*answer), 11, false);
    }
    return close();
  }
  const auto& request = parser_->get();
  if (overloaded_) {
    return respond(
        errorResponse(HttpErrorKind::kUnavailable,
                      "the coordinator is serving its limit of " +
                          std::to_string(state_->limits.max_connections) +
                          " connections; close idle keep-alive connections or retry later"),
        request.version(), false);
  }
  HttpResponse answer;
  try {
    beast::error_code peer_error;
    const auto peer = stream_.socket().remote_endpoint(peer_error);
    const std::string client = peer_error ? std::string("?") : peer.address().to_string();
    const auto authorization = request.find(http::field::authorization);
    answer = state_->handler.handle(HttpRequestView{
        view(request.method_string()), view(request.target()), request.body(),
        authorization == request.end() ? std::string_view() : view(authorization->value()), client});
  } catch (const std::exception& e) {
    // RestHandler catches everything itself; this guards io_context::run() from a bug there.
    answer = errorResponse(HttpErrorKind::kInternal, std::string("handler threw: ") + e.what());
  }
  respond(std::move(answer), request.version(), request.keep_alive());
}

void HttpSession::respond(HttpResponse answer, unsigned version, bool keepAlive) {
  response_ = {};
  response_.version(version);
  response_.result(static_cast<unsigned>(answer.status));
  response_.set(http::field::server, "cog");
  if (!answer.content_type.empty()) response_.set(http::field::content_type, answer.content_type);
  for (const auto& [name, value] : answer.headers) response_.set(name, value);
  response_.keep_alive(keepAlive);
  response_.body() = std::move(answer.body);
  response_.prepare_payload();
  stream_.expires_after(state_->limits.read_timeout);
  http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code ec, size_t) {
    self->onWrite(ec);
  });
}

void HttpSession::onWrite(beast::error_code ec) {
  if (ec || state_->stopped) return close();
  if (!response_.keep_alive()) return lingerClose();
  readRequest();
}

void HttpSession::shutdown() {
  // Half-close so the client reads the whole response before it sees the end; the socket
  // itself closes when this session is destroyed, right after.
  beast::error_code ignored;
  stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
}

void HttpSession::lingerClose() {
  // After answering without reading the whole request (a body over the limit, a pipelined
  // request after Connection: close), closing at once would reset the connection and the
  // client could lose the answer. Half-close, then discard input until the client closes or
  // kLinger passes (the lingering close of Apache and nginx).
  shutdown();
  stream_.expires_after(std::min<std::chrono::milliseconds>(kLinger, state_->limits.read_timeout));
  drain();
}

void HttpSession::drain() {
  stream_.async_read_some(boost::asio::buffer(discard_),
                          [self = shared_from_this()](beast::error_code ec, size_t) {
                            if (!ec && !self->state_->stopped) self->drain();
                          });
}

}  // namespace cog::coord::detail
