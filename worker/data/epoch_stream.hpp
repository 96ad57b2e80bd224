#pragma once
// One epoch's training tokens, packed and cut for data-parallel steps.
//
// Layout: the drawn records, each tokenized as BOS + text + EOS, are concatenated into
// one stream. Chunk c is the seq_len + 1 tokens starting at c × seq_len: consecutive
// chunks overlap by one token, so every stream token after the first is a target exactly
// once and none is wasted. inputs = the chunk's first seq_len tokens, targets = its last
// seq_len. A chunk may start or end mid-record (records are separated by EOS BOS, and
// attention is causal, so a record only sees earlier ones; with data.packing: documents
// batches carry segment ids and the model keeps each record apart). By default there is no
// padding: every position is a real token. With data.packing: aligned or documents the
// stream holds PAD runs (unscored) so that a record that fits in a row is never cut (see
// padBeforeWholeRecord); the layout is otherwise the same. The tail after the last whole
// chunk is dropped.
//
// Sharding: with global batch G = world × batch, step k uses chunks [k·G, (k+1)·G) and
// rank r takes [k·G + r·batch, k·G + (r+1)·batch). One process with batch 2b therefore
// sees exactly the rows of two ranks with batch b, in rank order.
//
// Immutable after construction; const methods are safe from several threads.
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace cog::data {

// `rows` sequences of `seq_len` token ids each, row-major; targets[r][t] is the token
// that follows inputs[r][t]. Shaped for torch::from_blob({rows, seq_len}, kInt32).
struct TokenBatch {
  int64_t rows = 0;
  int64_t seq_len = 0;
  std::vector<int32_t> inputs;
  std::vector<int32_t> targets;
  // 1 where targets[i] counts in the loss, 0 where it is context only (a question token
  // under data.loss_on: answer). Same layout as targets.
  std::vector<uint8_t> scored;
  // data.packing: documents only (empty otherwise): which record of its row each input
  // position belongs to, counting from 0 at the row's first token and going up by one at
  // every record's BOS. The model restarts positions and masks attention and memory by it.
  std::vector<int32_t> segments;
  int64_t scoredCount() const;
};

// Rows that keep records whole (data.packing: aligned or documents): how many PAD tokens go
// before a record of `length` tokens appended to a stream of `stream_size` tokens, so that it
// starts a row unless it fits in what is left of the current one. A record longer than a row
// still starts one and continues into the next.
inline int64_t padBeforeWholeRecord(int64_t stream_size, int64_t length, int64_t seq_len) {
  const int64_t used = stream_size % seq_len;
  return used != 0 && used + length > seq_len ? seq_len - used : 0;
}

// Rows that keep records whole pad the end of a row whenever the next record does not fit
// in it (a recall record after two short sums pads most of a row: a quarter of the level-1/2
// stream was padding). rowFillingOrder returns the order in which to pack records of
// `lengths` tokens: the records in their given order, except that when the next one does
// not fit in what is left of the current row, the first of the next `lookahead` that does
// is taken instead (and padding only when none does). The oldest waiting record is always
// the one that starts a row, so no record waits long; the order is a pure function of the
// lengths (deterministic, the same on every rank).
std::vector<size_t> rowFillingOrder(const std::vector<int64_t>& lengths, int64_t seq_len, size_t lookahead);

class EpochStream {
 public:
  // `tokens` is the packed stream; record_starts[i] is where the record record_ids[i]
  // begins (its BOS), with one extra entry equal to tokens.size().
  // `scored` (same length as tokens, or empty = every token) marks the tokens that count as
  // targets in the loss. `documents`: batches carry TokenBatch::segments.
  EpochStream(std::vector<int32_t> tokens, std::vector<int64_t> record_ids,
              std::vector<int64_t> record_starts, int64_t seq_len, std::vector<uint8_t> scored = {},
              bool documents = false);

  int64_t seqLen() const { return seqLen_; }
  bool documents() const { return documents_; }
  int64_t numTokens() const { return static_cast<int64_t>(tokens_.size()); }
  // Whole chunks: floor((tokens − 1) / seq_len), 0 when shorter than one chunk.
  int64_t numChunks() const;
  // floor(numChunks / (world × batch)): the partial tail of a global batch is dropped.
  int64_t stepsPerEpoch(int64_t world, int64_t batch) const;

  // The seq_len + 1 tokens of chunk c.
  std::vector<int32_t> chunk(int64_t c) const;
  // Chunks [first, first + count) as a batch. InvariantError when out of range.
  TokenBatch chunks(int64_t first, int64_t count) const;
  // Rank `rank`'s `batch` chunks of step `step` (see the layout above). InvariantError
  // for a step ≥ stepsPerEpoch(world, batch) or a rank outside [0, world).
  TokenBatch shardBatch(int64_t step, int64_t rank, int64_t world, int64_t batch) const;
  // An even contiguous split of all chunks over ranks, keeping every chunk (validation
  // wants the whole set, not whole global batches): rank r gets
  // [r·C/world, (r+1)·C/world). Ranks may differ by one chunk, so reduce token sums,
  // not per-rank means.
  std::pair<int64_t, int64_t> shardRange(int64_t rank, int64_t world) const;

  const std::vector<int32_t>& tokens() const { return tokens_; }
  // DataSet record ids in stream order (repeats possible when a weight is > 1).
  const std::vector<int64_t>& recordIds() const { return recordIds_; }
  // recordIds().size() + 1 offsets into tokens(): record i starts (its BOS) at
  // recordStarts()[i] and spans up to recordStarts()[i + 1], padding included when rows
  // are aligned (data.packing: aligned).
  const std::vector<int64_t>& recordStarts() const { return recordStarts_; }

 private:
  // TokenBatch::segments of the row whose inputs start at stream offset row_start.
  void appendSegments(int64_t row_start, std::vector<int32_t>& segments) const;

  std::vector<int32_t> tokens_;
  std::vector<uint8_t> scored_;  // empty: every token is scored
  std::vector<int64_t> recordIds_;
  std::vector<int64_t> recordStarts_;
  int64_t seqLen_;
  bool documents_;
};

}  // namespace cog::data
