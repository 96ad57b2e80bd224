// Load test for the coordinator's REST server, in the manner of wrk: the server runs
// in-process on one io_context thread (as in cogcoord) over an in-memory store of three jobs,
// and N client threads each drive one keep-alive connection with plain POSIX sockets for D
// seconds. Prints requests/s and latency percentiles per path.
//
// Like nccl-tests it is also a correctness test: every response must be 200 with exactly the
// body the handler gives for that path; wrong responses are counted and make the exit code 1.
//
//   http_load_bench --connections 8 --seconds 5 --path /api/v1/jobs --path /healthz
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "coordinator/http/http_server.hpp"
#include "coordinator/http/rest_handler.hpp"
#include "coordinator/store/store.hpp"

namespace {

using namespace cog::coord;
using Clock = std::chrono::steady_clock;

// A store the size of a real three-model run: per job a dozen live scalars, 5,000 metric
// rows, a few validations, checkpoints and decisions. /api/v1/jobs reads only jobs().
class BenchStore : public StoreReader {
 public:
  BenchStore() {
    const char* names[] = {"reasoning", "memory", "speed"};
    for (int j = 0; j < 3; ++j) {
      JobRow job;
      job.id = names[j];
      job.experiment_id = "cognate";
      job.model_config = std::string("configs/models/cognate-") + names[j] + ".yaml";
      job.state = j == 2 ? JobState::kQueued : JobState::kRunning;
      job.attempt = j == 2 ? 0 : 1 + j;
      job.ranks = job.slots = 2;
      job.step = 12000 + 1000 * j;
      job.epoch = 4;
      job.best_val_loss = j == 2 ? kNoValue : 2.41 - 0.1 * j;
      job.best_exact_match = j == 2 ? kNoValue : 0.12 + 0.01 * j;
      job.last_metrics = {
          {"loss", 1.734},          {"loss_ema", 1.802},         {"lr", 3e-4},
          {"grad_norm", 0.87},      {"grad_norm_clipped", 0.87}, {"tokens_per_s", 41234.5},
          {"act_steps", 2.4},       {"gate_entropy", 0.61},      {"qk_clip_scale", 1.0},
          {"grokfast_lambda", 0.1}, {"memory_gb", 3.2},          {"step_time_ms", 184.2}};
      jobs_.push_back(job);
      for (int64_t step = 1; step <= 5000; ++step) {
        metrics_.push_back(
            {job.id, job.attempt, step, step / 1250, 1.7e9 + step, job.last_metrics});
      }
      for (int64_t e = 0; e < 20; ++e) {
        events_.push_back({int64_t(events_.size() + 1),
                           1.7e9 + e,
                           job.id,
                           1,
                           e % 4 ? "worker" : "coordinator",
                           e % 4 ? "checkpoint" : "restart",
                           "event detail line with numbers 1.23",
                           {{"x", 1.0}}});
      }
    }
  }
  std::vector<ExperimentRow> experiments() const override {
    return {{"cognate", "configs/experiments/cognate.yaml", "jobs: [reasoning, memory, speed]\n",
             "running", 1.7e9, 1.7e9}};
  }
  std::vector<JobRow> jobs() const override { return jobs_; }
  std::optional<JobRow> job(const std::string& id) const override {
    for (const auto& j : jobs_) {
      if (j.id == id) return j;
    }
    return std::nullopt;
  }
  std::vector<AttemptRow> attempts(const std::string&) const override { return {}; }
  std::vector<MetricRow> metrics(const std::string& id, int64_t since,
                                 size_t limit) const override {
    std::vector<MetricRow> out;
    for (const auto& m : metrics_) {
      if (m.job_id == id && m.step > since && out.size() < limit) out.push_back(m);
    }
    return out;
  }
  std::vector<ValidationRow> validations(const std::string&, int64_t, size_t) const override {
    return {};
  }
  std::vector<CheckpointRow> checkpoints(const std::string&) const override { return {}; }
  std::vector<EventRow> events(int64_t since, const std::string& id, size_t limit) const override {
    std::vector<EventRow> out;
    for (const auto& e : events_) {
      if (e.id > since && (id.empty() || e.job_id == id) && out.size() < limit) out.push_back(e);
    }
    return out;
  }

 private:
  std::vector<JobRow> jobs_;
  std::vector<MetricRow> metrics_;
  std::vector<EventRow> events_;
};

struct ClientResult {
  uint64_t requests = 0;
  uint64_t wrong = 0;      // status not 200 or body differs from the handler's
  std::string firstError;  // socket errors end the connection
  std::vector<uint32_t> latencyNs;
};

// One keep-alive connection: request, read the whole response (Content-Length framing),
// compare, repeat until `stop`. Socket waits are bounded by SO_RCVTIMEO / SO_SNDTIMEO.
void runClient(uint16_t port, const std::string& path, const std::string& expectedBody,
               const std::atomic<bool>& stop, ClientResult& result) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    result.firstError = std::string("connect: ") + std::strerror(errno);
    ::close(fd);
    return;
  }
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  std::string buffer;
  char chunk[65536];
  result.latencyNs.reserve(1 << 20);
  while (!stop.load(std::memory_order_relaxed)) {
    const auto begin = Clock::now();
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != ssize_t(request.size())) {
      result.firstError = std::string("send: ") + std::strerror(errno);
      break;
    }
    size_t headerEnd = std::string::npos;
    size_t total = 0;
    while (true) {
      if (headerEnd == std::string::npos) {
        headerEnd = buffer.find("\r\n\r\n");
        if (headerEnd != std::string::npos) {
          // Beast writes "Content-Length" in this spelling; a missing one is a wrong answer.
          const size_t cl = buffer.find("Content-Length: ");
          const size_t length =
              cl < headerEnd ? std::strtoull(buffer.c_str() + cl + 16, nullptr, 10) : 0;
          total = headerEnd + 4 + length;
        }
      }
      if (headerEnd != std::string::npos && buffer.size() >= total) break;
      const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
      if (n <= 0) {
        result.firstError =
            n == 0 ? "server closed the connection" : std::string("recv: ") + std::strerror(errno);
        break;
      }
      buffer.append(chunk, size_t(n));
    }
    if (!result.firstError.empty()) break;
    result.latencyNs.push_back(uint32_t(std::min<int64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - begin).count(),
        UINT32_MAX)));
    ++result.requests;
    const bool ok = buffer.compare(0, 12, "HTTP/1.1 200") == 0 &&
                    buffer.compare(headerEnd + 4, total - headerEnd - 4, expectedBody) == 0;
    if (!ok) ++result.wrong;
    buffer.erase(0, total);
  }
  ::close(fd);
}

double percentileMs(std::vector<uint32_t>& ns, double p) {
  if (ns.empty()) return 0;
  const size_t k = std::min(ns.size() - 1, size_t(p * double(ns.size())));
  std::nth_element(ns.begin(), ns.begin() + long(k), ns.end());
  return ns[k] / 1e6;
}

// Drives one path; returns the number of wrong responses plus failed connections.
uint64_t benchPath(uint16_t port, const RestHandler& handler, const std::string& path,
                   int connections, double seconds) {
  const HttpResponse expected = handler.handle("GET", path, "");
  if (expected.status != 200) {
    std::fprintf(stderr, "GET %s answers %d, not 200: %s\n", path.c_str(), expected.status,
                 expected.body.c_str());
    return 1;
  }
  std::atomic<bool> stop{false};
  std::vector<ClientResult> results(static_cast<size_t>(connections));
  std::vector<std::thread> clients;
  const auto begin = Clock::now();
  for (int c = 0; c < connections; ++c) {
    clients.emplace_back(runClient, port, path, std::cref(expected.body), std::cref(stop),
                         std::ref(results[size_t(c)]));
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : clients) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - begin).count();

  uint64_t requests = 0, wrong = 0;
  std::vector<uint32_t> latency;
  for (const auto& r : results) {
    requests += r.requests;
    wrong += r.wrong;
    if (!r.firstError.empty()) {
      ++wrong;
      std::fprintf(stderr, "GET %s: a connection failed: %s\n", path.c_str(), r.firstError.c_str());
    }
    latency.insert(latency.end(), r.latencyNs.begin(), r.latencyNs.end());
  }
  const double p50 = percentileMs(latency, 0.50);
  const double p99 = percentileMs(latency, 0.99);
  const double max = latency.empty() ? 0 : *std::max_element(latency.begin(), latency.end()) / 1e6;
  std::printf(
      "GET %-28s conns=%-3d secs=%.1f requests=%-9llu req/s=%-9.0f p50=%.3fms p99=%.3fms "
      "max=%.3fms "
      "body=%zuB wrong=%llu\n",
      path.c_str(), connections, elapsed, (unsigned long long)requests, requests / elapsed, p50,
      p99, max, expected.body.size(), (unsigned long long)wrong);
  return wrong;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Load test for the coordinator REST server (in-process, loopback)"};
  int connections = 8;
  double seconds = 5;
  std::vector<std::string> paths{"/api/v1/jobs", "/healthz"};
  app.add_option("--connections", connections, "keep-alive connections, one client thread each")
      ->check(CLI::Range(1, 1000));
  app.add_option("--seconds", seconds, "duration per path")->check(CLI::Range(0.1, 3600.0));
  app.add_option("--path", paths, "paths to GET, one after another (repeatable)");
  std::string store_file;
  app.add_option("--store", store_file,
                 "serve a real coordinator store (a state dir's coord.db, SQLite) instead of the "
                 "in-memory one")
      ->check(CLI::ExistingFile);
  CLI11_PARSE(app, argc, argv);

  try {
    std::unique_ptr<StoreReader> store;
    if (store_file.empty()) {
      store = std::make_unique<BenchStore>();
    } else {
      store = std::make_unique<Store>(store_file);
      std::printf("serving %s (%zu jobs)\n", store_file.c_str(), store->jobs().size());
    }
    RestHandler handler(*store);
    boost::asio::io_context io;
    HttpServerLimits limits;
    limits.max_connections = size_t(connections) + 8;
    HttpServer server(io, "127.0.0.1:0", handler, limits);
    server.start();
    // The coordinator's single io thread.
    std::future<void> serverThread = std::async(std::launch::async, [&] { io.run(); });
    uint64_t wrong = 0;
    for (const auto& path : paths)
      wrong += benchPath(server.port(), handler, path, connections, seconds);
    boost::asio::post(io, [&] { server.stop(); });
    // run() returns once stop() has closed the listener and any connection still open.
    if (serverThread.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      io.stop();
      std::fprintf(stderr, "FAILED: the server did not stop within 10 s\n");
      return 1;
    }
    serverThread.get();
    if (wrong != 0) {
      std::fprintf(stderr, "FAILED: %llu wrong responses or failed connections\n",
                   (unsigned long long)wrong);
      return 1;
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "http_load_bench: %s\n", e.what());
    return 1;
  }
}
