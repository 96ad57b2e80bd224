#include "coordinator/launch/launcher_factory.hpp"

#include "common/error.hpp"
#include "coordinator/launch/local_launcher.hpp"
#include "coordinator/launch/slurm_launcher.hpp"

namespace cog::coord {

std::unique_ptr<Launcher> makeLauncher(const LauncherSection& config, LauncherExecutor executor,
                                       const std::string& default_worker,
                                       const std::string& experiment) {
  if (config.kind == "local") {
    LocalLauncherOptions options;
    options.worker = config.worker.empty() ? default_worker : config.worker;
    options.mpirun = config.mpirun;
    options.mpirun_args = config.mpirun_args;
    options.threads_per_rank = config.threads_per_rank;
    return std::make_unique<LocalLauncher>(std::move(executor), std::move(options));
  }
  if (config.kind == "slurm") {
    SlurmLauncherOptions options;
    options.script.experiment = experiment;
    options.script.worker = config.worker.empty() ? default_worker : config.worker;
    options.script.slurm = config.slurm;
    return std::make_unique<SlurmLauncher>(std::move(executor), std::move(options));
  }
  throw ConfigError("launcher.kind = " + config.kind +
                    ": this build has no such launcher (expected local or slurm)");
}

}  // namespace cog::coord
