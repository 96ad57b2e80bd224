#include "model/tokenizer/bpe.hpp"

#include <queue>

namespace cog {
namespace {

// A pair of neighbours that has a merge rank, as it was when queued. Entries go stale when
// a merge changes either neighbour; they are checked again when popped.
struct Candidate {
  int32_t rank;
  int32_t pos;  // position of the left symbol
  int32_t left;
  int32_t right;
};

struct LaterFirst {
  bool operator()(const Candidate& a, const Candidate& b) const {
    return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
  }
};

constexpr int32_t kNone = -1;

}  // namespace

void BpeMerger::addMerge(int32_t left, int32_t right, int32_t merged, int32_t rank) {
  merges_[pairKey(left, right)] = Merge{rank, merged};
}

void BpeMerger::apply(std::vector<int32_t>& symbols) const {
  const auto n = static_cast<int32_t>(symbols.size());
  if (n < 2) return;

  // Doubly linked list over positions; a merged-away symbol is set to kNone.
  std::vector<int32_t> prev(n), next(n);
  for (int32_t i = 0; i < n; ++i) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : kNone;
  }

  std::priority_queue<Candidate, std::vector<Candidate>, LaterFirst> queue;
  auto enqueue = [&](int32_t pos) {
    if (pos == kNone || next[pos] == kNone) return;
    const int32_t left = symbols[pos];
    const int32_t right = symbols[next[pos]];
    const auto it = merges_.find(pairKey(left, right));
    if (it != merges_.end()) queue.push(Candidate{it->second.rank, pos, left, right});
  };
  auto isCurrent = [&](const Candidate& c) {
    return symbols[c.pos] == c.left && next[c.pos] != kNone && symbols[next[c.pos]] == c.right;
  };

  for (int32_t i = 0; i + 1 < n; ++i) enqueue(i);

  std::vector<Candidate> round;
  std::vector<int32_t> mergedAt;
  while (!queue.empty()) {
    const Candidate best = queue.top();
    queue.pop();
    if (!isCurrent(best)) continue;

    // One round = every queued occurrence of the best pair (ranks are unique per pair), in
    // position order. Pairs created by this round wait for the next one, as in the reference.
    round.assign(1, best);
    while (!queue.empty() && queue.top().rank == best.rank) {
      round.push_back(queue.top());
      queue.pop();
    }
    const int32_t merged = merges_.at(pairKey(best.left, best.right)).merged;
    mergedAt.clear();
    for (const Candidate& c : round) {
      // Stale when the occurrence to its left took its first symbol ("a a a" -> "aa a").
      if (!isCurrent(c)) continue;
      const int32_t gone = next[c.pos];
      symbols[c.pos] = merged;
      symbols[gone] = kNone;
      next[c.pos] = next[gone];
      if (next[gone] != kNone) prev[next[gone]] = c.pos;
      mergedAt.push_back(c.pos);
    }
    for (int32_t pos : mergedAt) {
      enqueue(prev[pos]);
      enqueue(pos);
    }
  }

  int32_t kept = 0;
  for (int32_t i = 0; i < n; ++i) {
    if (symbols[i] != kNone) symbols[kept++] = symbols[i];
  }
  symbols.resize(kept);
}

}  // namespace cog
