// The Slurm launcher's pure parts: reading what sbatch, squeue and scontrol print (Slurm
// 22.05's text), the end each job state means, and the batch script it submits.
#include <gtest/gtest.h>

#include "coordinator/launch/slurm_job.hpp"
#include "coordinator/launch/slurm_script.hpp"

namespace cog::coord {
namespace {

TEST(SlurmJob, SbatchParsableIsAnIdWithAnOptionalCluster) {
  EXPECT_EQ(parseSbatchId("1234\n"), 1234);
  EXPECT_EQ(parseSbatchId("77;cluster-a\n"), 77);
  EXPECT_THROW(parseSbatchId("sbatch: error: Batch job submission failed"), Error);
  EXPECT_THROW(parseSbatchId(""), Error);
}

TEST(SlurmJob, SqueueLinesByIdSkippingArraysAndNoise) {
  const auto jobs = parseSqueue("12|PENDING|Resources\n13|RUNNING|None\n14_2|RUNNING|None\ngarbage\n15|TIMEOUT|TimeLimit\n");
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs.at(12).reason, "Resources");
  EXPECT_EQ(jobs.at(12).phase(), SlurmPhase::kQueued);
  EXPECT_EQ(jobs.at(13).phase(), SlurmPhase::kRunning);
  EXPECT_EQ(jobs.at(15).phase(), SlurmPhase::kEnded);
}

TEST(SlurmJob, EveryStateHasAPhase) {
  for (const char* s : {"PENDING", "REQUEUED", "REQUEUE_HOLD", "CONFIGURING"})
    EXPECT_EQ(slurmPhase(s), SlurmPhase::kQueued) << s;
  for (const char* s : {"RUNNING", "COMPLETING", "SUSPENDED", "SIGNALING", "SOMETHING_NEW"})
    EXPECT_EQ(slurmPhase(s), SlurmPhase::kRunning) << s;
  for (const char* s : {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "PREEMPTED", "NODE_FAIL",
                        "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE"})
    EXPECT_EQ(slurmPhase(s), SlurmPhase::kEnded) << s;
}

TEST(SlurmJob, ScontrolShowJobOneLine) {
  const auto info = parseScontrolJob(
      "JobId=42 JobName=cog-demo-reasoning-a1 UserId=root(0) GroupId=root(0) Priority=1 "
      "JobState=TIMEOUT Reason=TimeLimit Dependency=(null) Requeue=0 Restarts=0 BatchFlag=1 "
      "ExitCode=0:15 DerivedExitCode=0:0 TRES=cpu=2,mem=2000M,node=1\n");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->id, 42);
  EXPECT_EQ(info->state, "TIMEOUT");
  EXPECT_EQ(info->reason, "TimeLimit");
  EXPECT_EQ(info->exit_code, "0:15");
  EXPECT_FALSE(parseScontrolJob("slurm_load_jobs error: Invalid job id specified\n"));
}

SlurmJobInfo ended(const std::string& state, const std::string& code) {
  SlurmJobInfo info;
  info.id = 1;
  info.state = state;
  info.exit_code = code;
  return info;
}

TEST(SlurmJob, EndStatesMapToAttemptEnds) {
  auto s = slurmExitStatus(ended("COMPLETED", "0:0"));
  EXPECT_TRUE(s.success());
  EXPECT_EQ(s.describe(), "exit code 0");
  s = slurmExitStatus(ended("FAILED", "17:0"));
  EXPECT_EQ(s.exit_code, 17);
  EXPECT_EQ(s.scheduler, SchedulerEnd::kNone);
  EXPECT_EQ(s.describe(), "exit code 17, Slurm state FAILED");
  EXPECT_EQ(slurmExitStatus(ended("FAILED", "0:0")).exit_code, 1) << "a failure never reads as success";
  s = slurmExitStatus(ended("TIMEOUT", "0:15"));
  EXPECT_EQ(s.scheduler, SchedulerEnd::kTimeLimit);
  EXPECT_EQ(s.signal, 15);
  EXPECT_FALSE(s.success());
  EXPECT_EQ(slurmExitStatus(ended("DEADLINE", "0:0")).scheduler, SchedulerEnd::kTimeLimit);
  EXPECT_EQ(slurmExitStatus(ended("PREEMPTED", "0:9")).scheduler, SchedulerEnd::kPreempted);
  EXPECT_EQ(slurmExitStatus(ended("OUT_OF_MEMORY", "0:125")).scheduler, SchedulerEnd::kOutOfMemory);
  EXPECT_EQ(slurmExitStatus(ended("NODE_FAIL", "0:0")).scheduler, SchedulerEnd::kNodeFail);
  EXPECT_EQ(slurmExitStatus(ended("BOOT_FAIL", "0:0")).scheduler, SchedulerEnd::kNodeFail);
  s = slurmExitStatus(ended("CANCELLED", "0:15"));
  EXPECT_EQ(s.scheduler, SchedulerEnd::kCancelled);
  EXPECT_FALSE(s.success());
}

TEST(SlurmJob, JobNamesAreSafe) {
  EXPECT_EQ(slurmJobName("demo", "reasoning", 3), "cog-demo-reasoning-a3");
  EXPECT_EQ(slurmJobName("my exp/1", "j", 1), "cog-my_exp_1-j-a1");
}

TEST(SlurmScript, OneJobIsOneWorldOfRanksWithItsEnvironmentAndLog) {
  SlurmScriptOptions options;
  options.experiment = "demo";
  options.worker = "/opt/cog/bin/cogworker";
  options.slurm.partition = "gpu";
  options.slurm.account = "lab";
  options.slurm.time = "01:00:00";
  options.slurm.gpus_per_task = 1;
  options.slurm.cpus_per_task = 4;
  options.slurm.extra_args = {"--qos=short"};
  LaunchRequest request;
  request.job = "reasoning";
  request.attempt = 2;
  request.ranks = 4;
  request.worker_args = {"train", "--config", "/c/x.yaml", "--set", "optim.lr=it's"};
  request.env = {{"COG_COORDINATOR", "tcp://login1:5555"}, {"COG_ATTEMPT_DIR", "/s/a-2"}};
  request.log_file = "/s/a-2/worker.log";
  request.run_dir = "/s/a-2";
  const std::string script = slurmBatchScript(options, request);
  for (const char* line :
       {"#SBATCH --job-name=cog-demo-reasoning-a2\n", "#SBATCH --ntasks=4\n", "#SBATCH --cpus-per-task=4\n",
        "#SBATCH --gpus-per-task=1\n", "#SBATCH --partition=gpu\n", "#SBATCH --account=lab\n",
        "#SBATCH --time=01:00:00\n", "#SBATCH --output=/s/a-2/worker.log\n", "#SBATCH --no-requeue\n",
        "#SBATCH --qos=short\n", "export COG_COORDINATOR='tcp://login1:5555'\n", "export OMP_NUM_THREADS=4\n",
        "exec srun --mpi=pmix --cpus-per-task=4 --kill-on-bad-exit=1 '/opt/cog/bin/cogworker' 'train' '--config' "
        "'/c/x.yaml' '--set' 'optim.lr=it'\\''s'\n"}) {
    EXPECT_NE(script.find(line), std::string::npos) << "missing: " << line << "in:\n" << script;
  }
  EXPECT_EQ(script.rfind("#!/bin/bash\n", 0), 0u);
}

TEST(SlurmScript, OptionalLinesAreLeftOut) {
  SlurmScriptOptions options;
  options.experiment = "e";
  options.worker = "cogworker";
  LaunchRequest request;
  request.job = "j";
  const std::string script = slurmBatchScript(options, request);
  for (const char* absent : {"--gpus-per-task", "--partition", "--account", "--time="})
    EXPECT_EQ(script.find(absent), std::string::npos) << absent;
}

}  // namespace
}  // namespace cog::coord
