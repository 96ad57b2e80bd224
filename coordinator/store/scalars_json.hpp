#pragma once
// How the store keeps named scalars and string lists in one TEXT column: as JSON.
// JSON has no NaN or infinity, yet a diverged loss is exactly the value that must survive,
// so non-finite numbers are written as the strings "nan", "inf" and "-inf" (as the worker's
// metrics.jsonl does) and read back as numbers.
#include <string>
#include <vector>

#include "coordinator/store/records.hpp"

namespace cog::coord {

// {"loss":2.31,"grad_norm":"inf"} in report order.
std::string scalarsToJson(const Scalars& scalars);
// Inverse of scalarsToJson; throws StoreError naming `what` if the text is not such an
// object (a hand-edited or corrupt row).
Scalars scalarsFromJson(const std::string& text, const std::string& what);

// ["a=1","b=2"]
std::string stringsToJson(const std::vector<std::string>& items);
std::vector<std::string> stringsFromJson(const std::string& text, const std::string& what);

}  // namespace cog::coord
