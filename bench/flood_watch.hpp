#pragma once
// What bench/wire_flood watches while it floods a coordinator: the process's resident memory
// (VmRSS sampled every 10 ms, and the kernel's own peak VmHWM, reset per phase through
// /proc/PID/clear_refs) and its REST API (a GET every 20 ms with a deadline: answered or not,
// and how long it took). Each runs its own thread between start() and stop().
#include <sys/types.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "coordinator/ctl/rest_client.hpp"

namespace cog::bench {

// A field of /proc/PID/status in kB ("VmRSS", "VmHWM"); 0 when the process is gone.
inline long procStatusKb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return 0;
}

class RssWatch {
 public:
  explicit RssWatch(pid_t pid) : pid_(pid) {}
  ~RssWatch() { stop(); }

  // Resets the kernel's peak (writing 5 to clear_refs) and starts sampling.
  void start() {
    std::ofstream("/proc/" + std::to_string(pid_) + "/clear_refs") << "5";
    peak_kb_ = procStatusKb(pid_, "VmRSS");
    stop_ = false;
    thread_ = std::thread([this] {
      while (!stop_) {
        peak_kb_ = std::max(peak_kb_.load(), procStatusKb(pid_, "VmRSS"));
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    });
  }
  // The peak since start(): the larger of the samples and the kernel's VmHWM, in MiB.
  double stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return static_cast<double>(std::max(peak_kb_.load(), procStatusKb(pid_, "VmHWM"))) / 1024.0;
  }

 private:
  const pid_t pid_;
  std::atomic<bool> stop_{false};
  std::atomic<long> peak_kb_{0};
  std::thread thread_;
};

struct ProbeResult {
  int total = 0;
  int answered = 0;  // 200 within the deadline
  double worst_ms = 0;
  double p99_ms = 0;
};

class RestProbe {
 public:
  RestProbe(ctl::CtlTarget target, std::string path, std::chrono::milliseconds deadline)
      : client_(std::move(target), deadline), path_(std::move(path)) {}
  ~RestProbe() { stop(); }

  void start() {
    stop_ = false;
    latencies_.clear();
    result_ = {};
    thread_ = std::thread([this] {
      while (!stop_) {
        const auto t0 = std::chrono::steady_clock::now();
        bool ok = false;
        try {
          ok = client_.get(path_).status == 200;
        } catch (const std::exception&) {
          // unreachable or past the deadline: counted as not answered
        }
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        {
          std::lock_guard<std::mutex> lock(mutex_);
          result_.total += 1;
          result_.answered += ok ? 1 : 0;
          latencies_.push_back(ms);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
  }
  ProbeResult stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    std::lock_guard<std::mutex> lock(mutex_);
    if (!latencies_.empty()) {
      std::sort(latencies_.begin(), latencies_.end());
      result_.worst_ms = latencies_.back();
      result_.p99_ms = latencies_[std::min(latencies_.size() - 1, latencies_.size() * 99 / 100)];
    }
    return result_;
  }

 private:
  ctl::RestClient client_;
  const std::string path_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  ProbeResult result_;
  std::vector<double> latencies_;
  std::thread thread_;
};

}  // namespace cog::bench
