#pragma once
// A ZeroMQ peer written by hand on a plain TCP socket: it completes the ZMTP 3.1 handshake
// (NULL mechanism) and then does whatever the test wants, typically nothing at all, which is
// how a peer looks whose host died without closing the connection. libzmq cannot be made to
// fall silent like that (its I/O thread answers PINGs), hence this.
//
// Handshake (rfc.zeromq.org/spec/23): a 64-byte greeting each way (signature, version 3.1,
// mechanism "NULL", as-server, filler), then a READY command each way carrying Socket-Type.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>

namespace cog::wire::testing {

class RawZmtpPeer {
 public:
  RawZmtpPeer() = default;
  explicit RawZmtpPeer(int fd) : fd_(fd) {}
  RawZmtpPeer(RawZmtpPeer&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  RawZmtpPeer& operator=(RawZmtpPeer&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~RawZmtpPeer() {
    if (fd_ >= 0) ::close(fd_);
  }

  bool open() const { return fd_ >= 0; }

  // Connects to 127.0.0.1:port; false if the TCP connection failed.
  bool connect(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    return fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }

  // Both greetings and both READY commands; `socket_type` is ours ("DEALER", "ROUTER"). False
  // when the other side closed or stayed silent for `timeout` (e.g. it refused us).
  bool handshake(const std::string& socket_type, std::chrono::milliseconds timeout) {
    std::string greeting(64, '\0');
    greeting[0] = '\xff';
    greeting[9] = '\x7f';
    greeting[10] = 3;  // version 3.1: the one with PING/PONG
    greeting[11] = 1;
    std::memcpy(&greeting[12], "NULL", 4);
    if (!sendAll(greeting)) return false;
    std::string body = "\x05READY";
    body += '\x0b';
    body += "Socket-Type";
    const uint32_t length = htonl(static_cast<uint32_t>(socket_type.size()));
    body.append(reinterpret_cast<const char*>(&length), 4);
    body += socket_type;
    std::string ready = "\x04";
    ready += static_cast<char>(body.size());
    if (!sendAll(ready + body)) return false;
    std::string theirs;
    if (!receiveExactly(64, timeout, theirs)) return false;
    std::string header;
    if (!receiveExactly(2, timeout, header) || (header[0] & 0x04) == 0) return false;
    return receiveExactly(static_cast<uint8_t>(header[1]), timeout, theirs) && theirs.rfind("\x05READY", 0) == 0;
  }

  // Reads and discards (PINGs, messages) until the other side closes; true if it did within
  // `timeout`.
  bool waitUntilClosed(std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    char buffer[4096];
    while (std::chrono::steady_clock::now() < end) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 10) <= 0) continue;
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return true;
    }
    return false;
  }

 private:
  bool sendAll(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }
  bool receiveExactly(size_t n, std::chrono::milliseconds timeout, std::string& out) {
    out.clear();
    const auto end = std::chrono::steady_clock::now() + timeout;
    char buffer[256];
    while (out.size() < n) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      const ssize_t got = ::recv(fd_, buffer, std::min(sizeof buffer, n - out.size()), 0);
      if (got <= 0) return false;
      out.append(buffer, static_cast<size_t>(got));
    }
    return true;
  }

  int fd_ = -1;
};

// A loopback TCP listener for a RawZmtpPeer to play the coordinator.
class RawListener {
 public:
  RawListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 && ::listen(fd_, 8) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port_ = ntohs(addr.sin_port);
    }
  }
  ~RawListener() {
    if (fd_ >= 0) ::close(fd_);
  }
  int port() const { return port_; }  // -1 when the listener could not be set up
  // The next connection, or a peer that is not open() after `timeout`.
  RawZmtpPeer accept(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return RawZmtpPeer();
    return RawZmtpPeer(::accept(fd_, nullptr, nullptr));
  }

 private:
  int fd_ = -1;
  int port_ = -1;
};

}  // namespace cog::wire::testing
