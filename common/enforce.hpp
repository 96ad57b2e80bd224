#pragma once
// Invariant checks in the manner of GLOO_ENFORCE_EQ: when they fail they throw
// cog::InvariantError naming the expression, both values and the source location.
#include <sstream>

#include "common/error.hpp"

namespace cog::detail {

template <typename A, typename B>
[[noreturn]] void enforceFailed(const char* expr, const A& a, const B& b, const char* file,
                                int line) {
  std::ostringstream os;
  os << "invariant failed: " << expr << " (" << a << " vs " << b << ") at " << file << ":"
     << line;
  throw InvariantError(os.str());
}

}  // namespace cog::detail

#define COG_ENFORCE_OP(a, b, op)                                                   \
  do {                                                                             \
    const auto& cogEnforceA_ = (a);                                                \
    const auto& cogEnforceB_ = (b);                                                \
    if (!(cogEnforceA_ op cogEnforceB_))                                           \
      ::cog::detail::enforceFailed(#a " " #op " " #b, cogEnforceA_, cogEnforceB_, \
                                   __FILE__, __LINE__);                            \
  } while (0)

#define COG_ENFORCE_EQ(a, b) COG_ENFORCE_OP(a, b, ==)
#define COG_ENFORCE_NE(a, b) COG_ENFORCE_OP(a, b, !=)
#define COG_ENFORCE_LT(a, b) COG_ENFORCE_OP(a, b, <)
#define COG_ENFORCE_LE(a, b) COG_ENFORCE_OP(a, b, <=)
#define COG_ENFORCE_GT(a, b) COG_ENFORCE_OP(a, b, >)
#define COG_ENFORCE_GE(a, b) COG_ENFORCE_OP(a, b, >=)
