// launcher.slurm.* and coordinator.advertise: read once, validated, errors naming the key; the
// endpoint workers are told to dial.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/error.hpp"
#include "coordinator/experiment/experiment_config.hpp"
#include "coordinator/launch/advertised_endpoint.hpp"

namespace cog::coord {
namespace {

namespace fs = std::filesystem;

const char* kBase =
    "name: e\njobs: [{name: a, config: m.yaml}]\n";

ExperimentConfig parse(const std::string& extra) {
  const auto dir = fs::temp_directory_path() / ("cog_slurm_config_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "m.yaml") << "model: {preset: tiny}\n";
  struct Cleanup {
    fs::path dir;
    ~Cleanup() { fs::remove_all(dir); }
  } cleanup{dir};  // also when parsing throws
  return parseExperimentConfig(std::string(kBase) + extra, "exp.yaml", dir.string());
}

std::string errorOf(const std::string& extra) {
  try {
    parse(extra);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(SlurmConfig, EveryKeyIsRead) {
  const auto c = parse(
      "launcher:\n  kind: slurm\n  slurm: {partition: gpu, account: lab, time: '01:00:00', gpus_per_task: 1,\n"
      "    cpus_per_task: 8, extra_args: ['--qos=x'], mpi: pmix, poll_min_s: 2, poll_max_s: 20}\n"
      "coordinator: {wire: 'tcp://*:5555', advertise: login1}\n");
  EXPECT_EQ(c.launcher.kind, "slurm");
  EXPECT_EQ(c.launcher.slurm.partition, "gpu");
  EXPECT_EQ(c.launcher.slurm.account, "lab");
  EXPECT_EQ(c.launcher.slurm.time, "01:00:00");
  EXPECT_EQ(c.launcher.slurm.gpus_per_task, 1);
  EXPECT_EQ(c.launcher.slurm.cpus_per_task, 8);
  EXPECT_EQ(c.launcher.slurm.extra_args, std::vector<std::string>{"--qos=x"});
  EXPECT_EQ(c.launcher.slurm.poll_min_s, 2);
  EXPECT_EQ(c.launcher.slurm.poll_max_s, 20);
  EXPECT_EQ(c.coordinator.advertise, "login1");
}

TEST(SlurmConfig, BadValuesNameTheirKey) {
  EXPECT_NE(errorOf("launcher: {kind: pbs}\n").find("launcher.kind"), std::string::npos);
  EXPECT_NE(errorOf("launcher: {slurm: {cpus_per_task: 0}}\n").find("launcher.slurm.cpus_per_task"),
            std::string::npos);
  // squeue never more than once a second.
  EXPECT_NE(errorOf("launcher: {slurm: {poll_min_s: 0.2}}\n").find("launcher.slurm.poll_min_s"),
            std::string::npos);
  EXPECT_NE(errorOf("launcher: {slurm: {poll_min_s: 5, poll_max_s: 2}}\n").find("poll_max_s"),
            std::string::npos);
  EXPECT_NE(errorOf("launcher: {slurm: {partiton: x}}\n").find("partiton"), std::string::npos);
}

TEST(AdvertisedEndpoint, ReplacesTheHostWorkersDial) {
  EXPECT_EQ(advertisedEndpoint("tcp://127.0.0.1:5555", ""), "tcp://127.0.0.1:5555");
  EXPECT_EQ(advertisedEndpoint("tcp://0.0.0.0:5555", "localhost"), "tcp://localhost:5555");
  EXPECT_EQ(advertisedEndpoint("tcp://127.0.0.1:41234", "localhost"), "tcp://localhost:41234");
  EXPECT_EQ(advertisedEndpoint("ipc:///tmp/x", "anything"), "ipc:///tmp/x");
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  EXPECT_EQ(advertisedEndpoint("tcp://0.0.0.0:7", ""), std::string("tcp://") + host + ":7")
      << "a wildcard bind advertises this host's name";
}

TEST(AdvertisedEndpoint, ANameThatDoesNotResolveIsRefused) {
  try {
    advertisedEndpoint("tcp://0.0.0.0:5555", "no-such-host.invalid");
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("coordinator.advertise = no-such-host.invalid"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace cog::coord
