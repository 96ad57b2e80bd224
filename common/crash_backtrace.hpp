// A fatal signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT) prints the signal and the
// stack to stderr before the process dies with that signal as before, so a crash of a rank
// (or a test) leaves in its log where it happened instead of a bare "Segmentation fault".
#pragma once

namespace cog {

// Installs the handlers once per process; `program` opens the report line. Frames name
// exported functions (link the executable with -rdynamic, CMake's ENABLE_EXPORTS, to name
// its own); `c++filt` demangles them.
void printBacktraceOnFatalSignal(const char* program);

}  // namespace cog
