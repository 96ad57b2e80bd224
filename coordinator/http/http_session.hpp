#pragma once
// Internal to http_server.cpp: one HTTP/1.1 connection, and the state it shares with the
// listener. Not part of the library's public surface.
#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>

#include "coordinator/http/http_server.hpp"

namespace cog::coord::detail {

class HttpSession;

// Owned jointly by HttpServer and its sessions, so a session whose last handler runs after
// the server object is gone still finds it. Touched only on the io_context thread.
struct HttpServerState {
  HttpServerState(boost::asio::io_context& io, const RestHandler& h, HttpServerLimits l)
      : acceptor(io), retryTimer(io), handler(h), limits(l) {}

  boost::asio::ip::tcp::acceptor acceptor;
  boost::asio::steady_timer retryTimer;  // backs off when accept fails (e.g. out of fds)
  const RestHandler& handler;
  HttpServerLimits limits;
  std::unordered_map<uint64_t, std::weak_ptr<HttpSession>> sessions;  // to close on stop()
  uint64_t nextSessionId = 0;
  size_t served = 0;     // sessions answering through the handler
  size_t rejecting = 0;  // over-limit sessions that answer one 503 and close
  bool stopped = false;
};

// Reads a request, answers it, and repeats while the client keeps the connection alive.
// Lifetime: held by the shared_ptr captured in its pending handler; it dies when the
// connection ends or is closed.
class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  // `overloaded`: the server is at max_connections; answer 503 to one request, then close.
  HttpSession(boost::asio::ip::tcp::socket socket, std::shared_ptr<HttpServerState> state,
              bool overloaded);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  void run();
  // Cancels pending operations; their handlers then end the session.
  void close();

 private:
  void readRequest();
  void onRead(boost::beast::error_code ec);
  void respond(HttpResponse response, unsigned version, bool keepAlive);
  void onWrite(boost::beast::error_code ec);
  void shutdown();
  void lingerClose();
  void drain();

  boost::beast::tcp_stream stream_;
  std::shared_ptr<HttpServerState> state_;
  bool overloaded_;
  uint64_t id_;
  boost::beast::flat_buffer buffer_;
  // A Beast parser handles one message; a fresh one per request.
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  boost::beast::http::response<boost::beast::http::string_body> response_;
  std::array<char, 4096> discard_;  // sink for lingerClose()
};

}  // namespace cog::coord::detail
