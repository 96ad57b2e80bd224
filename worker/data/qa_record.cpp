#include "worker/data/qa_record.hpp"

namespace cog::data {

std::string QaRecord::prompt() const { return "Q: " + question + " A:"; }

// The space after "A:" belongs to the answer side so that prompt() is an exact prefix of
// text() and generation continues where training text continues.
std::string QaRecord::text() const { return prompt() + " " + answer; }

}  // namespace cog::data
