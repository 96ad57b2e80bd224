#pragma once
// A thin HTTP/1.1 server (Boost.Beast) in front of RestHandler: it accepts connections,
// reads requests, passes (method, target, body) to the handler and writes the answer back.
// Nothing else lives here (STYLE.md rule 8).
//
// Threading: it runs on the caller's io_context — the coordinator runs one io_context thread
// for everything, so the handler is called on that thread and needs no locks. Call start()
// and stop() on that thread (asio::post them from elsewhere) or while it is not running.
//
// Robustness: every read and write has a deadline (Limits::read_timeout, also the idle
// keep-alive timeout); bodies over Limits::max_body_bytes get 413; at most
// Limits::max_connections connections are served, further ones get one 503 and are closed;
// an error on one connection closes that connection only, and an exception from the
// handler becomes a 500, never an exception out of io_context::run().
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "coordinator/http/rest_handler.hpp"

namespace cog::coord {
namespace detail {
struct HttpServerState;
}

// "127.0.0.1:8080", "0.0.0.0:80", "[::1]:8080", "localhost:8080" (= 127.0.0.1), or a bare
// port "8080" / ":8080" (= 127.0.0.1: never all interfaces unless asked). Port 0 asks the
// kernel for a free port. Throws ConfigError naming the string and the expected form.
boost::asio::ip::tcp::endpoint parseListenAddress(const std::string& listen);
// The REST API reads the whole store and acts on jobs: a listen address other machines can
// reach (0.0.0.0, a LAN address) is refused with a ConfigError unless the operator said so
// (`--http-public`).
void requireLoopbackUnlessPublic(const std::string& listen, bool allow_public);

struct HttpServerLimits {
  std::chrono::milliseconds read_timeout{30000};  // per read/write and idle keep-alive
  size_t max_body_bytes = 1 << 20;                // REST bodies are small JSON overrides
  size_t max_header_bytes = 16 << 10;
  size_t max_connections = 256;  // the dashboard, cogctl and a Prometheus scraper need few
};

class HttpServer {
 public:
  // Binds and listens at once, so port() is known and a busy port is reported here:
  // ConfigError for a malformed `listen`, CommsError naming the address when it cannot be
  // bound. The handler must outlive the io_context's pending work.
  HttpServer(boost::asio::io_context& io, const std::string& listen, const RestHandler& handler,
             HttpServerLimits limits = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const;
  // Starts accepting (asynchronously, on the io_context).
  void start();
  // Stops accepting and closes every open connection; their pending handlers finish with
  // operation_aborted, after which io_context::run() can return. Idempotent.
  void stop();
  // Connections being served now (for tests and the status page).
  size_t openConnections() const;

 private:
  // Shared with the sessions, which may outlive this object by a few handlers.
  std::shared_ptr<detail::HttpServerState> state_;
  uint16_t port_ = 0;
};

}  // namespace cog::coord
