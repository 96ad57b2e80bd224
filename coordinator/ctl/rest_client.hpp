#pragma once
// A small blocking HTTP/1.1 client for the coordinator's REST API (Boost.Beast), with one
// deadline per request so that a coordinator that stops answering cannot hang cogctl.
#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

namespace cog::ctl {

// Where the coordinator is and how to act on it; `source` says where they were found, for
// error messages ("from runs/demo/coordinator.json").
struct CtlTarget {
  std::string host = "127.0.0.1";
  std::string port = "8080";
  std::string token;
  std::string source = "the default";
};

struct RestReply {
  int status = 0;
  std::string body;
};

class RestClient {
 public:
  explicit RestClient(CtlTarget target, std::chrono::milliseconds deadline = std::chrono::seconds(30));

  // Throws CtlError(kUnreachable) when no answer came.
  RestReply get(const std::string& target) const;
  RestReply post(const std::string& target, const std::string& body) const;

  // GET/POST whose reply must be 2xx JSON; other statuses become a CtlError with the exit
  // code they mean and the coordinator's own error text.
  nlohmann::json getJson(const std::string& target) const;
  nlohmann::json postJson(const std::string& target, const std::string& body) const;

  const CtlTarget& target() const { return target_; }
  std::string url() const { return "http://" + target_.host + ":" + target_.port; }

 private:
  RestReply request(bool post, const std::string& target, const std::string& body) const;
  nlohmann::json requireJson(const RestReply& reply, const std::string& what) const;

  CtlTarget target_;
  std::chrono::milliseconds deadline_;
};

// Percent-encodes a path segment or query value (job names are [A-Za-z0-9_.-], but metric
// names and checkpoints come from users).
std::string urlEncode(const std::string& text);

}  // namespace cog::ctl
