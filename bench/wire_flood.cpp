// Flood benchmark of the coordinator's wire: a real `cogcoord` runs a steady job (bench
// fake_worker, a report every 100 ms), and a rogue client on its wire port sends, one phase
// after the other, for --seconds each:
//   idle   nothing (the reference);
//   big    frames of --frame-mib MiB (16: the largest ZeroMQ lets in), as fast as they go;
//   tiny   --rate small valid frames a second (100,000), each crossing the whole ingest path;
//   both   big and tiny at once, from two connections;
//   conns  4 x coordinator.max_connections connections (the cap set to --max-connections),
//          each sending one frame once it got through.
// Meanwhile it measures the coordinator's resident memory (peak VmRSS/VmHWM from /proc), its
// REST API (GET /api/v1/jobs every 20 ms: answered within the deadline, worst and p99
// latency) and whether the steady job kept reporting. It prints a table and the bounds, and
// exits 1 when one is broken or the coordinator died (2 when it could not be set up).
//
// The coordinator runs with coordinator.curve off unless --curve: the worst case, every rogue
// frame reaches the decoder. With CURVE a client without a key is refused at its handshake.
//
//   wire_flood [--bin build/bin] [--seconds 10] [--rate 100000] [--frame-mib 16]
//              [--rss-bound-mib 256] [--latency-bound-ms 2000] [--max-connections 64] [--curve]
// `--seconds 2` is the smoke run ctest keeps (WireFlood_smoke).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "bench/flood_rogue.hpp"
#include "bench/flood_watch.hpp"

namespace {

namespace fs = std::filesystem;
using namespace cog::bench;
using Json = nlohmann::json;

// The coordinator could not be started: not a measurement (exit 2).
struct SetupError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Options {
  std::string bin;
  double seconds = 10;
  int rate = 100000;
  int frame_mib = 16;
  // Measured on 2 shared cores: about 100 MiB at the worst (both), 1.3 s at the slowest REST
  // answer (big: the copies of 16 MiB frames and the REST thread share the cores).
  double rss_bound_mib = 256;
  double latency_bound_ms = 2000;
  int max_connections = 64;
  bool curve = false;
  bool keep = false;
};

std::string cpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown CPU";
}

// The coordinator, as a child process with its output in DIR/coord.log.
class CoordinatorProcess {
 public:
  CoordinatorProcess(const Options& o, const fs::path& dir) : dir_(dir) {
    const std::string exe = o.bin + "/cogcoord";
    const std::string experiment = (dir / "flood.yaml").string();
    const std::string state = (dir / "state").string();
    const std::string log = (dir / "coord.log").string();
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::execl(exe.c_str(), exe.c_str(), "run", experiment.c_str(), "--state-dir", state.c_str(), "--http",
              "127.0.0.1:0", static_cast<char*>(nullptr));
      std::perror("exec cogcoord");
      ::_exit(127);
    }
  }
  ~CoordinatorProcess() { stop(); }
  pid_t pid() const { return pid_; }

  // The wire and REST addresses it wrote to STATE/coordinator.json; throws after 30 s.
  Json endpoints() const {
    for (int i = 0; i < 300; ++i) {
      std::ifstream in(dir_ / "state" / "coordinator.json");
      const Json j = Json::parse(in, nullptr, false);
      if (!j.is_discarded() && j.contains("http") && !j["http"].get<std::string>().empty()) return j;
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw SetupError("cogcoord wrote no endpoints within 30 s; see " + (dir_ / "coord.log").string());
  }

  // SIGTERM (it stops its workers first), SIGKILL after 30 s.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 300 && ::waitpid(pid_, nullptr, WNOHANG) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (::kill(pid_, 0) == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
  }

 private:
  fs::path dir_;
  pid_t pid_ = -1;
};

void writeExperiment(const Options& o, const fs::path& dir, double total_seconds) {
  std::ofstream(dir / "fake.yaml") << "# bench fake_worker reads no config; the coordinator needs a file\n";
  // Enough reports to outlive the run; it then ends by itself should the bench die.
  const long reports = static_cast<long>((total_seconds + 120) * 10);
  std::ofstream(dir / "flood.yaml")
      << "name: flood\nslots: 1\njobs:\n"
      << "  - {name: steady, config: " << (dir / "fake.yaml").string() << ", overrides: [fake.reports=" << reports
      << ", fake.interval_ms=100]}\n"
      << "launcher: {worker: " << o.bin << "/fake_worker, stop_grace_s: 5}\n"
      << "coordinator: {status_every_s: 3600, curve: " << (o.curve ? "on" : "off")
      << ", max_connections: " << o.max_connections << "}\n";
}

struct Phase {
  std::string name;
  std::string sent;
  std::string counted;
  double peak_mib = 0;
  ProbeResult rest;
  long steady_steps = 0;
};

class Bench {
 public:
  Bench(const Options& o, CoordinatorProcess& coord, const Json& endpoints)
      : o_(o), coord_(coord), wire_(endpoints["wire"].get<std::string>()), target_(restTarget(endpoints)),
        rest_(target_, std::chrono::seconds(10)) {}

  // Runs `flood` while watching; `what_was_sent` describes what it did.
  template <typename Flood>
  Phase run(const std::string& name, Flood flood) {
    Phase p;
    p.name = name;
    const Json before = wireCounters();
    const long steps_before = steadyStep();
    RssWatch rss(coord_.pid());
    RestProbe probe(target_, "/api/v1/jobs", kProbeDeadline);
    rss.start();
    probe.start();
    p.sent = flood();
    std::this_thread::sleep_for(std::chrono::seconds(1));  // the backlog drains, watched
    p.rest = probe.stop();
    p.peak_mib = rss.stop();
    p.steady_steps = steadyStep() - steps_before;
    const Json after = wireCounters();
    if (::kill(coord_.pid(), 0) != 0) throw std::runtime_error("cogcoord died in the " + name + " phase");
    for (const char* key : {"received", "malformed", "bad_magic", "held_back", "unauthenticated", "connections_refused"}) {
      const double d = after.value(key, 0.0) - before.value(key, 0.0);
      if (d > 0) p.counted += std::string(p.counted.empty() ? "" : ", ") + key + " +" + std::to_string(static_cast<long>(d));
    }
    if (p.counted.empty()) p.counted = "-";
    return p;
  }

  static constexpr std::chrono::seconds kProbeDeadline{10};  // a request unanswered by then failed

  Json wireCounters() const { return rest_.getJson("/healthz")["wire"]; }
  const std::string& wire() const { return wire_; }

 private:
  static cog::ctl::CtlTarget restTarget(const Json& endpoints) {
    const std::string http = endpoints["http"].get<std::string>();
    cog::ctl::CtlTarget t;
    t.host = http.substr(0, http.rfind(':'));
    t.port = http.substr(http.rfind(':') + 1);
    t.source = "the flood experiment";
    return t;
  }
  long steadyStep() const {
    const Json jobs = rest_.getJson("/api/v1/jobs");
    for (const auto& job : jobs["jobs"]) {
      if (job["id"] == "steady") return job.value("step", 0L);
    }
    return 0;
  }

  const Options& o_;
  CoordinatorProcess& coord_;
  const std::string wire_;
  const cog::ctl::CtlTarget target_;
  const cog::ctl::RestClient rest_;
};

std::string count(double v) {
  char text[64];
  std::snprintf(text, sizeof text, "%.0f", v);
  std::string s = text;
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

int runBench(const Options& o) {
  const fs::path dir = fs::temp_directory_path() / ("wire_flood." + std::to_string(::getpid()));
  fs::create_directories(dir);
  writeExperiment(o, dir, 4 * (o.seconds + 1));
  CoordinatorProcess coord(o, dir);
  Bench bench(o, coord, coord.endpoints());
  // The steady job's worker is connected and reporting before anything is measured.
  for (int i = 0; i < 300 && bench.wireCounters().value("received", 0.0) < 10; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const auto secs = o.seconds;
  std::vector<Phase> phases;
  phases.push_back(bench.run("idle", [&] {
    std::this_thread::sleep_for(std::chrono::duration<double>(secs));
    return std::string("nothing");
  }));
  phases.push_back(bench.run("big", [&] {
    const auto r = floodBig(bench.wire(), bigFrame(static_cast<size_t>(o.frame_mib) << 20), secs);
    return count(r.sent) + " x " + std::to_string(o.frame_mib) + " MiB (" + count(r.bytes / (1 << 20) / secs) + " MiB/s)";
  }));
  phases.push_back(bench.run("tiny", [&] {
    const auto r = floodTiny(bench.wire(), o.rate, secs);
    return count(r.sent) + " (" + count(r.sent / secs) + "/s), " + count(r.refused) + " pushed back";
  }));
  phases.push_back(bench.run("both", [&] {
    RogueResult big;
    std::thread t([&] { big = floodBig(bench.wire(), bigFrame(static_cast<size_t>(o.frame_mib) << 20), secs); });
    const auto tiny = floodTiny(bench.wire(), o.rate, secs);
    t.join();
    return count(big.sent) + " big + " + count(tiny.sent) + " tiny";
  }));
  double most_open = 0;
  uint64_t through = 0;
  phases.push_back(bench.run("conns", [&] {
    const int n = 4 * o.max_connections;
    through = holdConnections(bench.wire(), n, secs, [&] {
                most_open = std::max(most_open, bench.wireCounters().value("connections", 0.0));
              }).sent;
    return std::to_string(n) + " dialling, " + count(static_cast<double>(through)) + " got through; " +
           count(most_open) + " TCP at most";
  }));
  const Json last = bench.wireCounters();
  coord.stop();

  std::printf("wire_flood: cogcoord under a rogue client on its wire port (coordinator.curve %s)\n",
              o.curve ? "on: the rogue has no key" : "off: every frame reaches the decoder");
  std::printf("CPU: %s, %u online; %.0f s a phase; REST probe GET /api/v1/jobs every 20 ms (deadline %lld s)\n\n",
              cpuModel().c_str(), std::thread::hardware_concurrency(), secs,
              static_cast<long long>(Bench::kProbeDeadline.count()));
  std::printf("%-6s %-48s %-48s %9s %11s %9s %9s %7s\n", "phase", "rogue sent", "coordinator counted", "peak RSS",
              "REST ok", "p99", "worst", "steady");
  for (const auto& p : phases) {
    std::printf("%-6s %-48s %-48s %5.1f MiB %5d/%-5d %6.1f ms %6.1f ms %+6ld\n", p.name.c_str(), p.sent.c_str(),
                p.counted.c_str(), p.peak_mib, p.rest.answered, p.rest.total, p.rest.p99_ms, p.rest.worst_ms,
                p.steady_steps);
  }
  double peak = 0;
  double worst = 0;
  bool all_answered = true;
  bool steady = true;
  for (const auto& p : phases) {
    peak = std::max(peak, p.peak_mib);
    worst = std::max(worst, p.rest.worst_ms);
    all_answered = all_answered && p.rest.total > 0 && p.rest.answered == p.rest.total;
    steady = steady && p.steady_steps > 0;
  }
  const double slack = 8;  // handshakes racing their own accept events (connection_gate.hpp)
  struct Bound {
    std::string what;
    bool ok;
  };
  const std::vector<Bound> bounds = {
      {"peak RSS " + count(peak) + " MiB < " + count(o.rss_bound_mib) + " MiB", peak < o.rss_bound_mib},
      {"every REST request answered (200 within the deadline)", all_answered},
      {"worst REST latency " + count(worst) + " ms < " + count(o.latency_bound_ms) + " ms", worst < o.latency_bound_ms},
      {"the steady job reported in every phase", steady},
      {"rogue connections that got through " + count(static_cast<double>(through)) + " < max_connections " +
           std::to_string(o.max_connections) + " (the steady worker holds one) + " + count(slack),
       static_cast<double>(through) < o.max_connections + slack},
      o.curve ? Bound{"handshakes refused at the cap: " + count(last.value("connections_refused", 0.0)) +
                          " (none needed: without a key the rogue's handshakes fail before the cap)",
                      true}
              : Bound{"handshakes refused at the cap: " + count(last.value("connections_refused", 0.0)) + " > 0",
                      last.value("connections_refused", 0.0) > 0},
  };
  std::printf("\nbounds:\n");
  bool ok = true;
  for (const auto& b : bounds) {
    std::printf("  %-4s %s\n", b.ok ? "ok" : "FAIL", b.what.c_str());
    ok = ok && b.ok;
  }
  if (o.keep) {
    std::printf("kept %s\n", dir.c_str());
  } else {
    fs::remove_all(dir);
  }
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  o.bin = fs::path(argv[0]).parent_path().string();
  CLI::App app{"Floods a real cogcoord's wire port and checks its memory and REST API stay within bounds"};
  app.add_option("--bin", o.bin, "Where cogcoord and fake_worker are (default: beside this program)");
  app.add_option("--seconds", o.seconds, "Length of each phase (2 for a smoke run)")->check(CLI::PositiveNumber);
  app.add_option("--rate", o.rate, "Tiny frames a second in the tiny phase")->check(CLI::PositiveNumber);
  app.add_option("--frame-mib", o.frame_mib, "Frame size in the big phase (ZeroMQ refuses more than 16)")
      ->check(CLI::Range(1, 16));
  app.add_option("--rss-bound-mib", o.rss_bound_mib, "Bound on the coordinator's peak resident memory");
  app.add_option("--latency-bound-ms", o.latency_bound_ms, "Bound on the slowest REST answer");
  app.add_option("--max-connections", o.max_connections, "coordinator.max_connections of the flooded coordinator")
      ->check(CLI::Range(1, 200));
  app.add_flag("--curve", o.curve, "Run the coordinator with CURVE (the rogue has no key)");
  app.add_flag("--keep", o.keep, "Keep the scratch folder (the coordinator's log and store)");
  CLI11_PARSE(app, argc, argv);
  o.bin = fs::absolute(o.bin).string();  // written into the experiment the coordinator reads
  for (const char* exe : {"cogcoord", "fake_worker"}) {
    if (!fs::exists(fs::path(o.bin) / exe)) {
      std::cerr << "wire_flood: " << o.bin << "/" << exe << " is missing: build it (cmake --build build --target "
                << exe << ")\n";
      return 2;
    }
  }
  try {
    return runBench(o);
  } catch (const SetupError& e) {
    std::cerr << "wire_flood: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "wire_flood: FAIL: " << e.what() << "\n";
    return 1;
  }
}
