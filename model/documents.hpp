#pragma once
// Several documents packed into one row (data.packing: documents): each is kept apart so it
// is computed exactly as if it started its own row. `segments` is [B, T] int64, the
// document index of every position, non-decreasing along a row.
#include <torch/types.h>

namespace cog::model {

// Bool [B, T, T], true where query position i and key position j are in the same document.
// Attention and the LTM memory scan AND it with their causal rules.
torch::Tensor sameDocumentMask(const torch::Tensor& segments);

// Int64 [B, T]: each position's offset from the first position of its document, the index
// into the learned position table.
torch::Tensor positionsInDocument(const torch::Tensor& segments);

}  // namespace cog::model
