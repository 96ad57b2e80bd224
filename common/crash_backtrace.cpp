#include "common/crash_backtrace.hpp"

#include <execinfo.h>
#include <ucontext.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <cstring>
#include <initializer_list>

namespace cog {
namespace {

const char* g_program = "cog";

// Only async-signal-safe calls below (write, backtrace_symbols_fd, raise); backtrace() was
// called once at install so that its library is loaded before any crash.
void writeText(const char* text) {
  ssize_t ignored = ::write(STDERR_FILENO, text, std::strlen(text));
  (void)ignored;
}

void onFatalSignal(int signo, siginfo_t* info, void* context) {
  writeText("\n");
  writeText(g_program);
  writeText(": fatal signal ");
  const char* name = sigabbrev_np(signo);
  writeText(name ? name : "?");
  char address[2 + 16 + 1] = "0x";
  auto value = reinterpret_cast<uintptr_t>(info ? info->si_addr : nullptr);
  for (int i = 0; i < 16; ++i) address[2 + i] = "0123456789abcdef"[(value >> (60 - 4 * i)) & 0xf];
  address[18] = '\0';
  writeText(" (fault address ");
  writeText(address);
  writeText(")\n");
#if defined(__x86_64__)
  // The faulting instruction, and the word on top of its stack: when the fault is a call
  // through a null function pointer (instruction 0x0) the unwinder stops there, and that word
  // is the return address, i.e. the caller.
  if (context) {
    const auto& registers = static_cast<ucontext_t*>(context)->uc_mcontext.gregs;
    void* where[2] = {reinterpret_cast<void*>(registers[REG_RIP]),
                      *reinterpret_cast<void* const*>(registers[REG_RSP])};
    writeText("faulting instruction, then the word on top of its stack (the caller, after a call through a null pointer):\n");
    backtrace_symbols_fd(where, 2, STDERR_FILENO);
  }
#else
  (void)context;
#endif
  writeText("stack, innermost first (c++filt demangles):\n");
  void* frames[64];
  const int count = backtrace(frames, 64);
  backtrace_symbols_fd(frames, count, STDERR_FILENO);
  // SA_RESETHAND restored the default action: dying by the same signal keeps the exit status
  // (and a core dump, where enabled) what it would have been.
  raise(signo);
}

}  // namespace

void printBacktraceOnFatalSignal(const char* program) {
  static bool installed = false;
  if (installed) return;
  installed = true;
  g_program = program;
  void* warm[1];
  backtrace(warm, 1);
  // Its own stack, so that a stack overflow can still be reported.
  static char alternate_stack[64 * 1024];
  stack_t stack{};
  stack.ss_sp = alternate_stack;
  stack.ss_size = sizeof(alternate_stack);
  sigaltstack(&stack, nullptr);
  struct sigaction action {};
  action.sa_sigaction = onFatalSignal;
  action.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  for (int signo : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) sigaction(signo, &action, nullptr);
}

}  // namespace cog
