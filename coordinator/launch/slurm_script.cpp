#include "coordinator/launch/slurm_script.hpp"

#include <sstream>

#include "coordinator/launch/slurm_job.hpp"

namespace cog::coord {

std::string shellQuote(const std::string& word) {
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string slurmBatchScript(const SlurmScriptOptions& options, const LaunchRequest& request) {
  const SlurmSection& s = options.slurm;
  std::ostringstream text;
  text << "#!/bin/bash\n"
       << "# Written by cogcoord: experiment " << options.experiment << ", job " << request.job
       << ", attempt " << request.attempt << ". Watched with squeue, stopped with scancel.\n"
       << "#SBATCH --job-name=" << slurmJobName(options.experiment, request.job, request.attempt)
       << "\n"
       << "#SBATCH --ntasks=" << request.ranks << "\n"
       << "#SBATCH --cpus-per-task=" << s.cpus_per_task << "\n";
  if (s.gpus_per_task > 0) text << "#SBATCH --gpus-per-task=" << s.gpus_per_task << "\n";
  if (!s.partition.empty()) text << "#SBATCH --partition=" << s.partition << "\n";
  if (!s.account.empty()) text << "#SBATCH --account=" << s.account << "\n";
  if (!s.time.empty()) text << "#SBATCH --time=" << s.time << "\n";
  // #SBATCH lines are not shell words: paths are written as they are (no quoting).
  text << "#SBATCH --output=" << request.log_file.string() << "\n"
       << "#SBATCH --open-mode=append\n"
       << "#SBATCH --chdir=" << request.run_dir.string() << "\n"
       << "#SBATCH --no-requeue\n";
  for (const auto& arg : s.extra_args) text << "#SBATCH " << arg << "\n";
  text << "\n";
  for (const auto& [name, value] : request.env) text << "export " << name << "=" << shellQuote(value) << "\n";
  text << "export OMP_NUM_THREADS=" << s.cpus_per_task << "\n"
       << "# Every rank gets SIGTERM from scancel --signal=TERM (the coordinator's stop) or at the\n"
       << "# time limit: it checkpoints at the next step boundary and exits.\n"
       << "# srun states --cpus-per-task: since Slurm 22.05 it no longer inherits the job's.\n"
       << "exec srun --mpi=" << s.mpi << " --cpus-per-task=" << s.cpus_per_task
       << " --kill-on-bad-exit=1 " << shellQuote(options.worker);
  for (const auto& arg : request.worker_args) text << " " << shellQuote(arg);
  text << "\n";
  return text.str();
}

}  // namespace cog::coord
