#pragma once
// Puts a process on the fastest OpenBLAS kernels its CPU runs, before any matmul: call it
// first thing in main() (cogworker, the test executables, the benchmarks). The rules are in
// blas_core_choice.hpp; this file gathers their inputs and acts on them.
//
// OpenBLAS reads OPENBLAS_CORETYPE once, when the library loads, which for a program linked
// against LibTorch is before main() runs. So when the rules ask for another core, the process
// sets OPENBLAS_CORETYPE and the marker and re-executes itself (/proc/self/exe, same argv,
// same pid: mpirun, srun and the coordinator's launcher see nothing). The marker makes the
// second run keep what it finds, so there is at most one re-execution.
#include <string>

#include "common/environment_lookup.hpp"
#include "worker/blas/blas_core_choice.hpp"

namespace cog::worker::blas {

// The CPU's vector extensions from cpuid (GCC's __builtin_cpu_supports, which also checks
// that the OS saves the wide registers).
CpuFeatures cpuFeaturesOfThisMachine();

// openblas_get_corename() of the OpenBLAS mapped into this process, "" when there is none
// (a torch-free program, or LibTorch on another BLAS).
std::string loadedOpenblasCore();

// OPENBLAS_CORETYPE and the marker from `getenv`.
BlasCoreEnvironment blasCoreEnvironment(const EnvironmentLookup& getenv);

// Decides from this process's core, CPU and environment; when a faster core is to be set,
// sets OPENBLAS_CORETYPE and the marker and re-executes argv (does not return). If the
// re-execution itself fails, says so on stderr and returns the decision to go on with the
// core OpenBLAS chose. Otherwise returns the decision, whose describeBlasCore() --version shows.
// `chosen_core` is for tests that stand in for OpenBLAS's choice; the entry points pass
// loadedOpenblasCore().
BlasCoreDecision useFastestBlasCore(char** argv, const EnvironmentLookup& getenv,
                                    const std::string& chosen_core);

}  // namespace cog::worker::blas
