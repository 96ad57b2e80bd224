#include "coordinator/http/http_server.hpp"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <future>
#include <nlohmann/json.hpp>

#include "tests/coordinator/http/fake_store_reader.hpp"

namespace cog::coord {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using Response = http::response<http::string_body>;

// Bound on every client operation: the tests wait for events, never measure them.
constexpr std::chrono::seconds kClientTimeout{10};

// A Beast client whose every call is bounded: async operations on a private io_context,
// run for at most kClientTimeout (a plain sync socket read could block forever).
class TestClient {
 public:
  explicit TestClient(uint16_t port) : stream_(io_) {
    beast::error_code ec = asio::error::timed_out;
    stream_.expires_after(kClientTimeout);
    stream_.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                          [&](beast::error_code e) { ec = e; });
    runIo();
    if (ec)
      throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + ": " +
                               ec.message());
  }

  Response request(http::verb method, const std::string& target, const std::string& body = "",
                   bool keepAlive = true) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(keepAlive);
    req.body() = body;
    req.prepare_payload();
    beast::error_code ec = asio::error::timed_out;
    stream_.expires_after(kClientTimeout);
    http::async_write(stream_, req, [&](beast::error_code e, size_t) { ec = e; });
    runIo();
    if (ec) throw std::runtime_error("write " + target + ": " + ec.message());
    return readResponse();
  }
  Response get(const std::string& target) { return request(http::verb::get, target); }

  // Sends bytes as they are (for malformed requests) and reads one response.
  Response raw(const std::string& bytes) {
    beast::error_code ec = asio::error::timed_out;
    stream_.expires_after(kClientTimeout);
    asio::async_write(stream_, asio::buffer(bytes), [&](beast::error_code e, size_t) { ec = e; });
    runIo();
    if (ec) throw std::runtime_error("raw write: " + ec.message());
    return readResponse();
  }

  // True when the server closes the connection (end of stream) within the client timeout.
  bool closedByServer() {
    beast::error_code ec = asio::error::timed_out;
    char byte = 0;
    stream_.expires_after(kClientTimeout);
    stream_.async_read_some(asio::buffer(&byte, 1), [&](beast::error_code e, size_t) { ec = e; });
    runIo();
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

 private:
  Response readResponse() {
    Response res;
    beast::error_code ec = asio::error::timed_out;
    stream_.expires_after(kClientTimeout);
    http::async_read(stream_, buffer_, res, [&](beast::error_code e, size_t) { ec = e; });
    runIo();
    if (ec) throw std::runtime_error("read response: " + ec.message());
    return res;
  }
  void runIo() {
    io_.restart();
    io_.run_for(kClientTimeout + std::chrono::seconds(1));
  }

  asio::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

nlohmann::json bodyJson(const Response& r) {
  return nlohmann::json::parse(r.body(), nullptr, false);
}

// The server on 127.0.0.1:0, its io_context run on a thread as the coordinator does.
class HttpServerTest : public ::testing::Test {
 protected:
  void startServer(HttpServerLimits limits = {}) {
    server_ = std::make_unique<HttpServer>(io_, "127.0.0.1:0", handler_, limits);
    server_->start();
    runner_ = std::async(std::launch::async, [this] { io_.run(); });
  }
  // Stops on the io thread and checks run() returns: no connection or timer keeps it alive.
  void stopServer() {
    if (!runner_.valid()) return;
    asio::post(io_, [this] { server_->stop(); });
    const bool returned = runner_.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
    if (!returned) io_.stop();  // do not hang the test binary; the assertion reports it
    runner_.get();
    EXPECT_TRUE(returned) << "io_context::run() did not return after stop()";
  }
  void TearDown() override { stopServer(); }

  fakes::FakeStoreReader store_ = fakes::sampleStore();
  RestHandler handler_{store_};
  asio::io_context io_;
  std::unique_ptr<HttpServer> server_;
  std::future<void> runner_;
};

TEST_F(HttpServerTest, ServesSeveralRequestsOnOneKeepAliveConnection) {
  startServer();
  ASSERT_NE(server_->port(), 0);
  TestClient client(server_->port());

  Response r = client.get("/healthz");
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(bodyJson(r)["status"], "ok");
  EXPECT_TRUE(r.keep_alive());
  EXPECT_EQ(r[http::field::content_type], "application/json");

  r = client.get("/api/v1/jobs");
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(bodyJson(r)["jobs"].size(), 2u);

  r = client.get("/api/v1/jobs/nope");
  EXPECT_EQ(r.result_int(), 404);
  EXPECT_EQ(bodyJson(r)["error"], "not_found");

  r = client.get("/api/v1/jobs/reasoning/metrics?since=abc");
  EXPECT_EQ(r.result_int(), 400);

  r = client.request(http::verb::post, "/api/v1/jobs", "{}");
  EXPECT_EQ(r.result_int(), 405);
  EXPECT_EQ(r[http::field::allow], "GET");

  r = client.get("/metrics");
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_NE(r.body().find("cog_job_step{job=\"reasoning\"} 300"), std::string::npos);
  EXPECT_TRUE(r.keep_alive()) << "errors must not end a keep-alive connection";
}

TEST_F(HttpServerTest, ConnectionCloseEndsTheConnection) {
  startServer();
  TestClient client(server_->port());
  const Response r = client.request(http::verb::get, "/healthz", "", /*keepAlive=*/false);
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_FALSE(r.keep_alive());
  EXPECT_TRUE(client.closedByServer());
}

TEST_F(HttpServerTest, BodyOverTheLimitIs413) {
  HttpServerLimits limits;
  limits.max_body_bytes = 16;
  startServer(limits);
  TestClient client(server_->port());
  const Response r =
      client.request(http::verb::post, "/api/v1/jobs/reasoning/stop", std::string(1000, 'x'));
  EXPECT_EQ(r.result_int(), 413);
  EXPECT_EQ(bodyJson(r)["error"], "payload_too_large");
  EXPECT_TRUE(client.closedByServer());
}

TEST_F(HttpServerTest, MalformedRequestIs400AndOtherConnectionsCarryOn) {
  startServer();
  TestClient good(server_->port());
  EXPECT_EQ(good.get("/healthz").result_int(), 200);
  TestClient bad(server_->port());
  const Response r = bad.raw("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n");
  EXPECT_EQ(r.result_int(), 400);
  EXPECT_EQ(bodyJson(r)["error"], "bad_request");
  EXPECT_TRUE(bad.closedByServer());
  EXPECT_EQ(good.get("/api/v1/jobs").result_int(), 200);
}

TEST_F(HttpServerTest, ConnectionsOverTheLimitGet503) {
  HttpServerLimits limits;
  limits.max_connections = 1;
  startServer(limits);
  TestClient first(server_->port());
  ASSERT_EQ(first.get("/healthz").result_int(), 200);  // now surely accepted and counted
  TestClient second(server_->port());
  const Response r = second.get("/healthz");
  EXPECT_EQ(r.result_int(), 503);
  EXPECT_EQ(bodyJson(r)["error"], "unavailable");
  EXPECT_TRUE(second.closedByServer());
  EXPECT_EQ(first.get("/api/v1/jobs").result_int(), 200);
}

TEST_F(HttpServerTest, IdleConnectionIsClosedAfterTheReadTimeout) {
  HttpServerLimits limits;
  limits.read_timeout = std::chrono::milliseconds(200);
  startServer(limits);
  TestClient idle(server_->port());
  EXPECT_EQ(idle.get("/healthz").result_int(), 200);
  EXPECT_TRUE(idle.closedByServer()) << "an idle keep-alive connection must not be held forever";
}

TEST_F(HttpServerTest, StopClosesOpenConnections) {
  startServer();
  TestClient client(server_->port());
  EXPECT_EQ(client.get("/healthz").result_int(), 200);
  stopServer();  // asserts io_context::run() returns with a connection still open
  EXPECT_TRUE(client.closedByServer());
}

TEST(HttpServer, BusyPortIsCommsErrorNamingTheAddress) {
  fakes::FakeStoreReader store;
  RestHandler handler(store);
  asio::io_context io;
  HttpServer first(io, "127.0.0.1:0", handler);
  const std::string address = "127.0.0.1:" + std::to_string(first.port());
  try {
    HttpServer second(io, address, handler);
    FAIL() << "binding a busy port must throw";
  } catch (const CommsError& e) {
    EXPECT_NE(std::string(e.what()).find(address), std::string::npos) << e.what();
  }
}

TEST(HttpServer, BadListenStringIsConfigError) {
  fakes::FakeStoreReader store;
  RestHandler handler(store);
  asio::io_context io;
  EXPECT_THROW(HttpServer(io, "127.0.0.1:http", handler), ConfigError);
}

TEST(HttpListenAddress, ParsesHostAndPort) {
  EXPECT_EQ(parseListenAddress("127.0.0.1:8080"),
            tcp::endpoint(asio::ip::make_address("127.0.0.1"), 8080));
  EXPECT_EQ(parseListenAddress("0.0.0.0:80"), tcp::endpoint(asio::ip::make_address("0.0.0.0"), 80));
  EXPECT_EQ(parseListenAddress("[::1]:9000"), tcp::endpoint(asio::ip::make_address("::1"), 9000));
  EXPECT_EQ(parseListenAddress("localhost:0"),
            tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
}

TEST(HttpListenAddress, AnAddressOtherMachinesReachNeedsHttpPublic) {
  for (const char* local : {"127.0.0.1:8080", "localhost:0", "[::1]:80", "8080", "127.0.0.2:1"}) {
    EXPECT_NO_THROW(requireLoopbackUnlessPublic(local, false)) << local;
  }
  for (const char* reachable : {"0.0.0.0:8080", "[::]:80", "10.1.2.3:8080"}) {
    try {
      requireLoopbackUnlessPublic(reachable, false);
      ADD_FAILURE() << reachable << " should need --http-public";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("--http-public"), std::string::npos) << e.what();
    }
    EXPECT_NO_THROW(requireLoopbackUnlessPublic(reachable, true)) << reachable;
  }
}

TEST(HttpListenAddress, BarePortBindsLoopback) {
  EXPECT_EQ(parseListenAddress("8080"), tcp::endpoint(asio::ip::make_address("127.0.0.1"), 8080));
  EXPECT_EQ(parseListenAddress(":8080"), tcp::endpoint(asio::ip::make_address("127.0.0.1"), 8080));
}

TEST(HttpListenAddress, RejectsMalformedStringsNamingThem) {
  for (const std::string bad : {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
                                "host.example:80", "::1:80", "[::1]80", "[::1", "1.2.3.4:8x"}) {
    try {
      parseListenAddress(bad);
      ADD_FAILURE() << "'" << bad << "' should be rejected";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("'" + bad + "'"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace cog::coord
