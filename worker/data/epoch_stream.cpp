#include "worker/data/epoch_stream.hpp"

#include <algorithm>

#include "common/enforce.hpp"

namespace cog::data {

std::vector<size_t> rowFillingOrder(const std::vector<int64_t>& lengths, int64_t seq_len, size_t lookahead) {
  COG_ENFORCE_GE(seq_len, 1);
  std::vector<size_t> order;
  order.reserve(lengths.size());
  std::vector<size_t> waiting;  // not yet placed, oldest first, at most `lookahead`
  size_t next = 0;
  int64_t stream_size = 0;
  while (order.size() < lengths.size()) {
    while (waiting.size() < std::max<size_t>(lookahead, 1) && next < lengths.size()) waiting.push_back(next++);
    size_t pick = 0;  // none fits: the oldest starts the next row
    for (size_t k = 0; k < waiting.size(); ++k) {
      if (padBeforeWholeRecord(stream_size, lengths[waiting[k]], seq_len) == 0) {
        pick = k;
        break;
      }
    }
    const size_t record = waiting[pick];
    waiting.erase(waiting.begin() + static_cast<std::ptrdiff_t>(pick));
    stream_size += padBeforeWholeRecord(stream_size, lengths[record], seq_len) + lengths[record];
    order.push_back(record);
  }
  return order;
}

int64_t TokenBatch::scoredCount() const {
  int64_t n = 0;
  for (uint8_t s : scored) n += s;
  return n;
}

EpochStream::EpochStream(std::vector<int32_t> tokens, std::vector<int64_t> record_ids,
                         std::vector<int64_t> record_starts, int64_t seq_len, std::vector<uint8_t> scored,
                         bool documents)
    : tokens_(std::move(tokens)),
      scored_(std::move(scored)),
      recordIds_(std::move(record_ids)),
      recordStarts_(std::move(record_starts)),
      seqLen_(seq_len),
      documents_(documents) {
  COG_ENFORCE_GE(seqLen_, 1);
  COG_ENFORCE_EQ(recordStarts_.size(), recordIds_.size() + 1);
  COG_ENFORCE_EQ(recordStarts_.back(), static_cast<int64_t>(tokens_.size()));
  if (!scored_.empty()) COG_ENFORCE_EQ(scored_.size(), tokens_.size());
}

int64_t EpochStream::numChunks() const {
  const int64_t n = numTokens();
  return n > seqLen_ ? (n - 1) / seqLen_ : 0;
}

int64_t EpochStream::stepsPerEpoch(int64_t world, int64_t batch) const {
  COG_ENFORCE_GE(world, 1);
  COG_ENFORCE_GE(batch, 1);
  return numChunks() / (world * batch);
}

std::vector<int32_t> EpochStream::chunk(int64_t c) const {
  COG_ENFORCE_GE(c, 0);
  COG_ENFORCE_LT(c, numChunks());
  const auto begin = tokens_.begin() + c * seqLen_;
  return std::vector<int32_t>(begin, begin + seqLen_ + 1);
}

TokenBatch EpochStream::chunks(int64_t first, int64_t count) const {
  COG_ENFORCE_GE(first, 0);
  COG_ENFORCE_GE(count, 0);
  COG_ENFORCE_LE(first + count, numChunks());
  TokenBatch batch;
  batch.rows = count;
  batch.seq_len = seqLen_;
  batch.inputs.reserve(static_cast<size_t>(count * seqLen_));
  batch.targets.reserve(static_cast<size_t>(count * seqLen_));
  batch.scored.reserve(static_cast<size_t>(count * seqLen_));
  for (int64_t c = first; c < first + count; ++c) {
    const auto begin = tokens_.begin() + c * seqLen_;
    batch.inputs.insert(batch.inputs.end(), begin, begin + seqLen_);
    batch.targets.insert(batch.targets.end(), begin + 1, begin + seqLen_ + 1);
    if (scored_.empty()) {
      batch.scored.insert(batch.scored.end(), static_cast<size_t>(seqLen_), 1);
    } else {
      const auto flags = scored_.begin() + c * seqLen_;
      batch.scored.insert(batch.scored.end(), flags + 1, flags + seqLen_ + 1);
    }
    if (documents_) appendSegments(c * seqLen_, batch.segments);
  }
  return batch;
}

void EpochStream::appendSegments(int64_t row_start, std::vector<int32_t>& segments) const {
  // The first record starting after the row's first token begins segment 1, and so on.
  auto next = std::upper_bound(recordStarts_.begin(), recordStarts_.end(), row_start);
  int32_t segment = 0;
  for (int64_t t = row_start; t < row_start + seqLen_; ++t) {
    if (next != recordStarts_.end() && *next == t) {
      ++segment;
      ++next;
    }
    segments.push_back(segment);
  }
}

TokenBatch EpochStream::shardBatch(int64_t step, int64_t rank, int64_t world, int64_t batch) const {
  COG_ENFORCE_GE(rank, 0);
  COG_ENFORCE_LT(rank, world);
  COG_ENFORCE_GE(step, 0);
  COG_ENFORCE_LT(step, stepsPerEpoch(world, batch));
  return chunks(step * world * batch + rank * batch, batch);
}

std::pair<int64_t, int64_t> EpochStream::shardRange(int64_t rank, int64_t world) const {
  COG_ENFORCE_GE(world, 1);
  COG_ENFORCE_GE(rank, 0);
  COG_ENFORCE_LT(rank, world);
  const int64_t c = numChunks();
  return {rank * c / world, (rank + 1) * c / world};
}

}  // namespace cog::data
