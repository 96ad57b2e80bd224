#include "coordinator/http/http_server.hpp"

#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <vector>

#include "common/error.hpp"
#include "coordinator/http/http_session.hpp"

namespace cog::coord {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// After a failed accept (out of file descriptors, say), wait before trying again rather
// than spin on the coordinator's only thread.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

[[noreturn]] void badListen(const std::string& listen, const std::string& why) {
  throw ConfigError("http listen address '" + listen + "': " + why +
                    "; expected HOST:PORT such as 127.0.0.1:8080 (port 0 picks a free port)");
}

std::string endpointText(const tcp::endpoint& e) {
  const std::string host = e.address().to_string();
  return (e.address().is_v6() ? "[" + host + "]" : host) + ":" + std::to_string(e.port());
}

void acceptNext(const std::shared_ptr<detail::HttpServerState>& state) {
  state->acceptor.async_accept([state](boost::system::error_code ec, tcp::socket socket) {
    if (state->stopped) return;
    if (ec) {
      state->retryTimer.expires_after(kAcceptRetryDelay);
      state->retryTimer.async_wait([state](boost::system::error_code waitEc) {
        if (!waitEc && !state->stopped) acceptNext(state);
      });
      return;
    }
    boost::system::error_code ignored;
    // Small responses on keep-alive connections: Nagle would hold each one back.
    socket.set_option(tcp::no_delay(true), ignored);
    const bool overloaded = state->served >= state->limits.max_connections;
    if (overloaded && state->rejecting >= state->limits.max_connections) {
      socket.close(ignored);  // even the 503 answers are at their limit: drop
    } else {
      std::make_shared<detail::HttpSession>(std::move(socket), state, overloaded)->run();
    }
    acceptNext(state);
  });
}

}  // namespace

tcp::endpoint parseListenAddress(const std::string& listen) {
  std::string host;
  std::string port;
  if (!listen.empty() && listen.front() == '[') {
    const size_t close = listen.find(']');
    if (close == std::string::npos) badListen(listen, "unclosed '[' around an IPv6 address");
    host = listen.substr(1, close - 1);
    if (close + 1 >= listen.size() || listen[close + 1] != ':') badListen(listen, "missing :PORT");
    port = listen.substr(close + 2);
  } else {
    const size_t colon = listen.rfind(':');
    if (colon == std::string::npos) {
      if (listen.find_first_not_of("0123456789") != std::string::npos) {
        badListen(listen, "missing :PORT");
      }
      port = listen;  // a bare port
    } else {
      host = listen.substr(0, colon);
      port = listen.substr(colon + 1);
      if (host.find(':') != std::string::npos)
        badListen(listen, "write IPv6 addresses as [ADDR]:PORT");
    }
  }
  unsigned value = 0;
  const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || ptr != port.data() + port.size() || value > 65535) {
    badListen(listen, "port '" + port + "' is not a number in [0, 65535]");
  }
  if (host.empty() || host == "localhost") host = "127.0.0.1";  // loopback unless asked
  boost::system::error_code addrEc;
  const asio::ip::address address = asio::ip::make_address(host, addrEc);
  if (addrEc)
    badListen(listen, "'" + host + "' is not an IP address (use 127.0.0.1, 0.0.0.0 or ::1)");
  return tcp::endpoint(address, static_cast<uint16_t>(value));
}

void requireLoopbackUnlessPublic(const std::string& listen, bool allow_public) {
  if (allow_public || parseListenAddress(listen).address().is_loopback()) return;
  throw ConfigError("http listen address '" + listen +
                    "' can be reached from other machines, and the REST API serves the whole store: give "
                    "--http-public to serve it there (the acting routes still need the token), or listen on "
                    "127.0.0.1 and reach it through an SSH tunnel");
}

HttpServer::HttpServer(asio::io_context& io, const std::string& listen, const RestHandler& handler,
                       HttpServerLimits limits) {
  if (limits.max_connections == 0) throw ConfigError("http max_connections must be at least 1");
  const tcp::endpoint endpoint = parseListenAddress(listen);
  state_ = std::make_shared<detail::HttpServerState>(io, handler, limits);
  tcp::acceptor& acceptor = state_->acceptor;
  boost::system::error_code ec;
  const auto fail = [&](const char* step) {
    throw CommsError("http: cannot " + std::string(step) + " " + endpointText(endpoint) + ": " +
                     ec.message() +
                     "; choose another http listen address (port 0 picks a free one) or stop the "
                     "process using it");
  };
  acceptor.open(endpoint.protocol(), ec);
  if (ec) fail("open a socket for");
  // Lets a restarted coordinator rebind while old connections sit in TIME_WAIT; on Linux it
  // does not let two listeners share a port, so a busy port is still an error.
  acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (ec) fail("set SO_REUSEADDR on");
  acceptor.bind(endpoint, ec);
  if (ec) fail("bind");
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) fail("listen on");
  port_ = acceptor.local_endpoint(ec).port();
  if (ec) fail("read the bound port of");
}

HttpServer::~HttpServer() { stop(); }

uint16_t HttpServer::port() const { return port_; }

void HttpServer::start() {
  if (state_->stopped) return;
  acceptNext(state_);
}

void HttpServer::stop() {
  if (state_->stopped) return;
  state_->stopped = true;
  boost::system::error_code ignored;
  state_->acceptor.close(ignored);
  state_->retryTimer.cancel();
  // Collect first: a session may leave the map while others close.
  std::vector<std::shared_ptr<detail::HttpSession>> open;
  for (auto& [id, weak] : state_->sessions) {
    if (auto session = weak.lock()) open.push_back(std::move(session));
  }
  for (auto& session : open) session->close();
}

size_t HttpServer::openConnections() const { return state_->sessions.size(); }

}  // namespace cog::coord
