#pragma once
#include <cstdint>
#include <vector>

#include "worker/data/qa_record.hpp"

namespace cog::data {

// What one loader call produced: the valid records in file order, and how many
// malformed records it skipped (each one warned about, see record_reader.hpp).
struct LoadResult {
  std::vector<QaRecord> records;
  int64_t skipped = 0;
};

}  // namespace cog::data
