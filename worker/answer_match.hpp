#pragma once
#include <string>

namespace cog::worker {

// The answer part of a generated continuation of "Q: ... A:", in the form the source's
// final answers take: for GSM8K the number after "####" (the reference's convention);
// otherwise the text up to the end of the line or the next "Q:", trimmed.
std::string extractAnswer(const std::string& source, const std::string& generated);

// The last number in a generated answer ("-1,234.5" kept whole), "" when there is none: the
// flexible extraction lm-evaluation-harness reports beside GSM8K's strict "####" one, so a
// model that answers "8" without GSM8K's layout is not scored 0. Reads the same part of the
// continuation as extractAnswer (up to the next "Q:"), all of its lines.
std::string extractLastNumber(const std::string& generated);

// Exact match after normalisation: surrounding whitespace and a trailing period dropped,
// numbers compared by value text ("42.0" == "42", "1,000" == "1000").
bool answersMatch(const std::string& extracted, const std::string& reference);

}  // namespace cog::worker
