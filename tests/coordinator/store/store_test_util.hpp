#pragma once
// A scratch directory per test and small row builders for the store tests.
#include <unistd.h>

#include <filesystem>
#include <string>

#include "coordinator/store/records.hpp"

namespace cog::coord::testing {

class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() /
              ("cog_store_" + name + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  std::filesystem::path file(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline MetricRow metric(const std::string& job, int attempt, int64_t step, double loss = 1.0) {
  MetricRow r;
  r.job_id = job;
  r.attempt = attempt;
  r.step = step;
  r.epoch = step / 100;
  r.time = 1700000000.0 + static_cast<double>(step);
  r.scalars = {{"loss", loss}, {"lr", 3e-4}};
  return r;
}

inline EventRow event(const std::string& job, const std::string& kind) {
  EventRow r;
  r.time = 1700000000.5;
  r.job_id = job;
  r.attempt = 1;
  r.source = "coordinator";
  r.kind = kind;
  r.detail = kind + " for " + (job.empty() ? std::string("experiment") : job);
  return r;
}

}  // namespace cog::coord::testing
