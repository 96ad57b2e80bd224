// The test executables' main() installs the handler (tests/gtest_main.cpp), as cogworker's
// does, so these death tests see what a crashing rank would print.
#include "common/crash_backtrace.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdint>

// Outside any anonymous namespace and not inlined, so that the executable exports it
// (ENABLE_EXPORTS) and the report can name it.
__attribute__((noinline)) void cogCrashBacktraceTestFault(uintptr_t address) {
  *reinterpret_cast<volatile int*>(address) = 1;
}

// A call through a null function pointer: the unwinder cannot step out of address 0, so only
// the report's top-of-stack word can name this caller.
__attribute__((noinline)) void cogCrashBacktraceTestNullCall(void (*volatile function)()) {
  function();
  asm volatile("");  // keeps the call a call, not a tail jump
}

namespace cog {
namespace {

volatile uintptr_t g_unmapped_address = 8;  // read at run time: the compiler cannot drop the store

TEST(CrashBacktraceDeathTest, ASegfaultPrintsTheSignalAddressAndFramesAndStillDiesBySigsegv) {
  EXPECT_EXIT(
      {
        printBacktraceOnFatalSignal("probe");  // already installed by main(): a no-op
        cogCrashBacktraceTestFault(g_unmapped_address);
      },
      testing::KilledBySignal(SIGSEGV),
      "cog_common_tests: fatal signal SEGV \\(fault address 0x0000000000000008\\)\n"
      "faulting instruction[^\n]*\n[^\n]*cogCrashBacktraceTestFault.*"
      "stack, innermost first.*cogCrashBacktraceTestFault");
}

TEST(CrashBacktraceDeathTest, ACallThroughANullPointerNamesTheCaller) {
  EXPECT_EXIT(cogCrashBacktraceTestNullCall(nullptr), testing::KilledBySignal(SIGSEGV),
              "fatal signal SEGV \\(fault address 0x0000000000000000\\).*"
              "faulting instruction, then the word on top of its stack[^\n]*\n"
              "\\[0x0\\]\n[^\n]*cogCrashBacktraceTestNullCall");
}

TEST(CrashBacktraceDeathTest, AnAbortIsReportedAndKeepsItsSignal) {
  EXPECT_EXIT(std::abort(), testing::KilledBySignal(SIGABRT), "fatal signal ABRT.*abort");
}

TEST(CrashBacktraceDeathTest, WithTheDefaultActionNothingIsPrinted) {
  // The control: the report above comes from the handler, not from the runtime.
  EXPECT_EXIT(
      {
        std::signal(SIGSEGV, SIG_DFL);
        std::raise(SIGSEGV);
      },
      testing::KilledBySignal(SIGSEGV), "^$");
}

}  // namespace
}  // namespace cog
