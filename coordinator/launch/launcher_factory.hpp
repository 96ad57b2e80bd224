#pragma once
// The one place a launcher backend is chosen, from the experiment's `launcher.kind`.
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <memory>
#include <string>

#include "coordinator/experiment/experiment_config.hpp"
#include "coordinator/launch/launcher.hpp"

namespace cog::coord {

using LauncherExecutor = boost::asio::strand<boost::asio::io_context::executor_type>;

// `default_worker` is the cogworker binary used when launcher.worker is empty; `experiment`
// names Slurm jobs. Throws ConfigError for a kind this build does not have.
std::unique_ptr<Launcher> makeLauncher(const LauncherSection& config, LauncherExecutor executor,
                                       const std::string& default_worker,
                                       const std::string& experiment);

}  // namespace cog::coord
