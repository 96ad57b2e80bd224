// libFuzzer target: the REST handler with any method, target and body, against a small
// in-memory store and operator desk. handle() never throws and always answers a status the
// server can send.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "coordinator/http/rest_handler.hpp"
#include "tests/coordinator/http/fake_store_reader.hpp"

namespace {

using namespace cog::coord;

class NullDesk : public OperatorActions {
 public:
  std::string stopJob(const std::string& job, const std::string&) override { return "stop " + job; }
  std::string checkpointJob(const std::string& job, const std::string&) override { return "checkpoint " + job; }
  std::string relaunchJob(const std::string& job, const std::vector<std::string>&, const std::string&,
                          const std::string&) override {
    return "relaunch " + job;
  }
  std::string stopExperiment(const std::string& e, const std::string&) override { return "stop " + e; }
};

fakes::FakeStoreReader makeStore() {
  fakes::FakeStoreReader store;
  JobRow job;
  job.id = "reasoning";
  job.last_metrics = {{"loss", 1.5}, {"grad_norm", 0.3}};
  store.jobRows.push_back(job);
  store.metricRows.push_back({"reasoning", 1, 100, 0, 1.7e9, {{"loss", 1.5}}});
  store.validationRows.push_back({"reasoning", 1, 100, 0, 1.7e9, {{"val_loss", 1.6}}, {"[]"}});
  store.eventRows.push_back({1, 1.7e9, "reasoning", 1, "coordinator", "launch", "attempt 1", {}});
  return store;
}

}  // namespace

// Input layout: method, target, authorization and body separated by '\n' (missing parts empty).
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fakes::FakeStoreReader store = makeStore();
  static NullDesk desk;
  static RestHandler handler(store, &desk, "secret-token");
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view parts[4];
  for (int i = 0; i < 3; ++i) {
    const size_t nl = in.find('\n');
    parts[i] = in.substr(0, nl);
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  }
  parts[3] = in;
  const HttpResponse r = handler.handle(HttpRequestView{parts[0], parts[1], parts[3], parts[2], "127.0.0.1"});
  if (r.status < 200 || r.status > 599) std::abort();
  return 0;
}
