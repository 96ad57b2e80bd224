#pragma once
// How entry points hand the process environment to code that decides from it (rank layout,
// BLAS core, malloc tuning): main() passes ::getenv, tests pass a lookup over a plain map,
// so every rule is tested without touching the real environment (STYLE.md rule 3: no getenv
// deep inside).
#include <cstdlib>
#include <functional>

namespace cog {

// Returns the variable's value, or nullptr when it is unset (as ::getenv does).
using EnvironmentLookup = std::function<const char*(const char*)>;

// The real environment, for entry points (main() of cogworker, the tests, the benchmarks).
inline EnvironmentLookup processEnvironment() {
  return [](const char* name) -> const char* { return std::getenv(name); };
}

}  // namespace cog
