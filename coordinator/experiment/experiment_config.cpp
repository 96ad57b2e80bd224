#include "coordinator/experiment/experiment_config.hpp"

#include <filesystem>
#include <set>
#include <sstream>

#include "common/yaml_fields.hpp"

namespace cog::coord {
namespace {

namespace fs = std::filesystem;

JobSpec parseJob(YamlFields f, const std::string& base_dir) {
  JobSpec job;
  f.required("name", job.name);
  f.required("config", job.config);
  f.optional("overrides", job.overrides);
  f.optional("ranks", job.ranks);
  f.optional("slots", job.slots);
  if (f.has("checkpoint")) parseCheckpointSection(f.section("checkpoint"), job.checkpoint_keep);
  f.rejectUnknownKeys();
  // It names a folder of the state dir and a URL path segment.
  if (!isSafeName(job.name) || job.name.size() > 64) {
    f.fail("name", "'" + job.name + "': must be 1-64 characters of A-Z a-z 0-9 _ . - and not '.' or '..' " +
                       "(it names a folder and a URL)");
  }
  if (job.ranks < 1) f.fail("ranks", std::to_string(job.ranks) + ": must be at least 1");
  if (job.slots < 1) f.fail("slots", std::to_string(job.slots) + ": must be at least 1");
  job.config = requireWorkerConfig(f, "config", job.config, base_dir);
  for (const auto& o : job.overrides) {
    if (o.find('=') == std::string::npos) f.fail("overrides", "'" + o + "': expected key.path=value");
  }
  return job;
}

void parseSlurm(YamlFields f, SlurmSection& s) {
  f.optional("partition", s.partition);
  f.optional("account", s.account);
  f.optional("time", s.time);
  f.optional("gpus_per_task", s.gpus_per_task);
  f.optional("cpus_per_task", s.cpus_per_task);
  f.optional("extra_args", s.extra_args);
  f.optional("mpi", s.mpi);
  f.optional("poll_min_s", s.poll_min_s);
  f.optional("poll_max_s", s.poll_max_s);
  f.rejectUnknownKeys();
  if (s.gpus_per_task < 0) f.fail("gpus_per_task", std::to_string(s.gpus_per_task) + ": must be 0 or more");
  if (s.cpus_per_task < 1) f.fail("cpus_per_task", std::to_string(s.cpus_per_task) + ": must be at least 1");
  // The rule: squeue never more than once a second per experiment.
  f.requireRange("poll_min_s", s.poll_min_s, 1, 600, " s");
  f.requireRange("poll_max_s", s.poll_max_s, s.poll_min_s, 600, " s");
}

void parseLauncher(YamlFields f, LauncherSection& l) {
  f.optional("kind", l.kind);
  f.optional("worker", l.worker);
  f.optional("mpirun", l.mpirun);
  f.optional("mpirun_args", l.mpirun_args);
  f.optional("threads_per_rank", l.threads_per_rank);
  f.optional("stop_grace_s", l.stop_grace_s);
  parseSlurm(f.section("slurm"), l.slurm);
  f.rejectUnknownKeys();
  if (l.kind != "local" && l.kind != "slurm") f.fail("kind", l.kind + ": expected local or slurm");
  if (l.threads_per_rank < 1) f.fail("threads_per_rank", std::to_string(l.threads_per_rank) + ": must be at least 1");
  f.requireRange("stop_grace_s", l.stop_grace_s, 0.1, 3600, " s");
}

void parseCoordinator(YamlFields f, CoordinatorSection& c, int slots) {
  f.optional("wire", c.wire);
  f.optional("advertise", c.advertise);
  f.optional("http", c.http);
  f.optional("status_every_s", c.status_every_s);
  f.optional("flush_ms", c.flush_ms);
  f.optional("max_connections", c.max_connections);
  // `on`/`off` as well as true/false: YAML 1.1 words, as in the issue's own wording.
  if (f.has("curve")) {
    std::string curve;
    f.optional("curve", curve);
    if (curve == "on" || curve == "true") {
      c.curve = true;
    } else if (curve == "off" || curve == "false") {
      c.curve = false;
    } else {
      f.fail("curve", curve + ": expected on or off");
    }
  }
  f.rejectUnknownKeys();
  if (c.wire.rfind("tcp://", 0) != 0 && c.wire.rfind("ipc://", 0) != 0) {
    f.fail("wire", c.wire + ": expected a ZeroMQ endpoint like tcp://127.0.0.1:5555");
  }
  f.requireRange("status_every_s", c.status_every_s, 0.1, 86400, " s");
  f.requireRange("flush_ms", c.flush_ms, 1, 60000, " ms");
  // 65536: far beyond the attempts one coordinator runs; a larger cap would bound nothing a
  // machine's descriptors and memory could hold.
  f.requireRange("max_connections", c.max_connections, 1, 65536);
  if (c.max_connections < slots) {
    f.fail("max_connections", std::to_string(c.max_connections) + ": below slots (" + std::to_string(slots) +
                                  "): each running attempt's rank 0 holds a connection; raise it above slots");
  }
}

ExperimentConfig parseTree(const YAML::Node& root, const std::string& yaml_text, const std::string& source,
                           const std::string& base_dir) {
  ExperimentConfig config;
  config.source = source;
  config.yaml = yaml_text;
  YamlFields top(root, "", source);
  top.required("name", config.name);
  top.optional("slots", config.slots);
  for (auto& job : top.sectionList("jobs")) config.jobs.push_back(parseJob(job, base_dir));
  parseLauncher(top.section("launcher"), config.launcher);
  parseCoordinator(top.section("coordinator"), config.coordinator, config.slots);
  auto policies = top.section("policies");
  config.policies = parsePolicyConfig(policies);
  top.rejectUnknownKeys();
  if (config.slots < 1) top.fail("slots", std::to_string(config.slots) + ": must be at least 1");
  if (config.jobs.empty()) top.fail("jobs", "no jobs: list at least one {name, config}");
  std::set<std::string> names;
  for (size_t i = 0; i < config.jobs.size(); ++i) {
    const auto& job = config.jobs[i];
    const std::string where = "jobs[" + std::to_string(i) + "]";
    if (!names.insert(job.name).second) top.fail(where + ".name", job.name + ": used by two jobs");
    if (job.slots > config.slots) {
      top.fail(where + ".slots", std::to_string(job.slots) + ": more than the pool's " +
                                     std::to_string(config.slots) + " slots, so it could never start");
    }
  }
  return config;
}

}  // namespace

ExperimentConfig parseExperimentConfig(const std::string& yaml_text, const std::string& source,
                                       const std::string& base_dir) {
  return parseTree(parseYamlText(yaml_text, source), yaml_text, source, base_dir);
}

void parseLauncherSection(YamlFields section, LauncherSection& launcher) { parseLauncher(std::move(section), launcher); }

void parseCoordinatorSection(YamlFields section, CoordinatorSection& coordinator, int slots) {
  parseCoordinator(std::move(section), coordinator, slots);
}

// Looked up beside the file first, then from the working directory, and returned absolute so
// attempts do not depend on where cogcoord was started. A name the filesystem cannot stat (too
// long, unreadable) is "not there" with its reason, never an exception.
std::string requireWorkerConfig(const YamlFields& f, const std::string& key, const std::string& path,
                                const std::string& base_dir) {
  std::string resolved = path;
  std::error_code ec;
  if (!path.empty() && !fs::path(path).is_absolute()) {
    const fs::path beside = fs::path(base_dir) / path;
    resolved = (fs::exists(beside, ec) ? fs::absolute(beside) : fs::absolute(path)).lexically_normal().string();
  }
  if (!fs::exists(resolved, ec)) {
    f.fail(key, resolved + (ec ? ": cannot be read (" + ec.message() + ")" : ": no such file"));
  }
  return resolved;
}

bool isSafeName(const std::string& name) {
  return !name.empty() && name != "." && name != ".." &&
         name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") ==
             std::string::npos;
}

void parseCheckpointSection(YamlFields checkpoint, CheckpointKeep& keep) {
  YamlFields k = checkpoint.section("keep");
  k.optional("best", keep.best);
  k.optional("latest", keep.latest);
  k.rejectUnknownKeys();
  checkpoint.rejectUnknownKeys();
  k.requireRange("best", keep.best, 0, 1000);
  k.requireRange("latest", keep.latest, 1, 1000);
}

ExperimentConfig loadExperimentConfig(const std::string& path, const std::vector<std::string>& overrides) {
  const auto loaded = loadYamlWithOverrides(path, overrides);
  return parseTree(loaded.root, loaded.effective_text, path, loaded.base_dir);
}

}  // namespace cog::coord
