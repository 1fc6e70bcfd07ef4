#include "sched/placer.h"

#include <algorithm>

namespace fastgpu {
namespace {
// Distinct shapes cached at once; past this the cache starts afresh (memory stays bounded).
constexpr size_t kMaxCachedShapes = 1024;
}  // namespace

Placer::Placer(const CapacityLedger& ledger, std::unique_ptr<PlacementPolicy> policy, uint64_t seed)
    : ledger_(ledger), policy_(std::move(policy)), rng_(seed) {
  const size_t n = ledger_.node_count();
  node_at_.resize(n);
  for (size_t i = 0; i < n; ++i) node_at_[i] = static_cast<NodeIndex>(i);
  for (size_t i = n; i > 1; --i) std::swap(node_at_[i - 1], node_at_[rng_.below(i)]);
  position_.resize(n);
  free_memory_at_.resize(n);
  for (size_t p = 0; p < n; ++p) {
    position_[node_at_[p]] = static_cast<uint32_t>(p);
    free_memory_at_[p] = ledger_.state(node_at_[p]).free_memory;
  }
  block_max_memory_.assign((n + kBlock - 1) / kBlock, 0);
  for (size_t p = 0; p < n; ++p) {
    block_max_memory_[p / kBlock] = std::max(block_max_memory_[p / kBlock], free_memory_at_[p]);
  }
  free_memory_seen_ = ledger_.change_sequence();
}

Placer::ShapeCache& Placer::cache_for(const TaskShape& key) {
  auto it = caches_.find(key);
  if (it != caches_.end()) return it->second;
  if (caches_.size() >= kMaxCachedShapes) caches_.clear();
  ShapeCache& cache = caches_[key];
  const size_t n = ledger_.node_count();
  cache.score.assign(n, kNoFit);
  cache.gpus.assign(n, 0);
  cache.block_max.assign((n + kBlock - 1) / kBlock, kNoFit);
  cache.block_is_dirty.assign(cache.block_max.size(), 0);
  for (const NodeSpec& spec : ledger_.specs()) {
    if (fits_when_empty(spec, key)) {
      cache.max_feasible_memory = std::max(cache.max_feasible_memory, spec.memory_mib);
    }
  }
  cache.seen = ledger_.change_sequence();
  for (NodeIndex i = 0; i < n && cache.max_feasible_memory >= 0; ++i) rescore(cache, key, i);
  return cache;
}

void Placer::rescore(ShapeCache& cache, const TaskShape& shape, NodeIndex n) const {
  const NodeSpec& spec = ledger_.spec(n);
  const NodeState& state = ledger_.state(n);
  const uint32_t p = position_[n];
  mark_dirty(cache, p);
  if (!fits_now(spec, state, shape)) {
    cache.score[p] = kNoFit;
    return;
  }
  NodeScore s = policy_->score(spec, state, shape);
  cache.score[p] = std::max(s.score, kNoFit + 1);
  cache.gpus[p] = s.gpus;
}

void Placer::refresh(ShapeCache& cache, const TaskShape& shape) const {
  const uint64_t now = ledger_.change_sequence();
  const bool journal_ok =
      now - cache.seen <= ledger_.node_count() / 2 &&
      ledger_.for_each_change_since(cache.seen, [&](NodeIndex n) { rescore(cache, shape, n); });
  if (!journal_ok) {
    for (NodeIndex i = 0; i < ledger_.node_count(); ++i) rescore(cache, shape, i);
  }
  cache.seen = now;
}

void Placer::mark_dirty(ShapeCache& cache, size_t position) {
  const size_t b = position / kBlock;
  if (!cache.block_is_dirty[b]) {
    cache.block_is_dirty[b] = 1;
    cache.dirty_blocks.push_back(static_cast<uint32_t>(b));
  }
}

void Placer::settle_blocks(ShapeCache& cache) {
  for (uint32_t b : cache.dirty_blocks) {
    const size_t begin = b * kBlock, end = std::min(begin + kBlock, cache.score.size());
    cache.block_max[b] = *std::max_element(cache.score.begin() + static_cast<ptrdiff_t>(begin),
                                           cache.score.begin() + static_cast<ptrdiff_t>(end));
    cache.block_is_dirty[b] = 0;
  }
  cache.dirty_blocks.clear();
}

void Placer::refresh_free_memory() {
  const uint64_t now = ledger_.change_sequence();
  auto update = [&](NodeIndex n) {
    const size_t p = position_[n];
    const MemoryMib old = free_memory_at_[p];
    free_memory_at_[p] = ledger_.state(n).free_memory;
    MemoryMib& block = block_max_memory_[p / kBlock];
    if (free_memory_at_[p] >= block) {
      block = free_memory_at_[p];
    } else if (old == block) {  // the block's maximum may have gone down
      const size_t begin = p / kBlock * kBlock;
      const size_t end = std::min(begin + kBlock, free_memory_at_.size());
      block = *std::max_element(free_memory_at_.begin() + static_cast<ptrdiff_t>(begin),
                                free_memory_at_.begin() + static_cast<ptrdiff_t>(end));
    }
  };
  if (!ledger_.for_each_change_since(free_memory_seen_, update)) {
    for (NodeIndex i = 0; i < ledger_.node_count(); ++i) update(i);
  }
  free_memory_seen_ = now;
}

std::optional<size_t> Placer::pick(const ShapeCache& cache, MemoryMib memory) {
  if (policy_->tie_break() == TieBreak::kUniform) return pick_uniform(cache, memory);
  const int64_t* scores = cache.score.data();
  const MemoryMib* free = free_memory_at_.data();
  const size_t n = cache.score.size();
  // The first position of the best score among nodes with the memory. A block is scanned only
  // when its maximum could beat the best so far and some node in it has the memory.
  int64_t best = kNoFit;
  size_t first = n;
  for (size_t b = 0; b < cache.block_max.size(); ++b) {
    if (cache.block_max[b] <= best || block_max_memory_[b] < memory) continue;
    for (size_t p = b * kBlock, end = std::min(p + kBlock, n); p < end; ++p) {
      const int64_t v = free[p] >= memory ? scores[p] : kNoFit;
      if (v > best) best = v, first = p;
    }
  }
  if (best == kNoFit) return std::nullopt;
  return first;
}

std::optional<size_t> Placer::pick_uniform(const ShapeCache& cache, MemoryMib memory) {
  const int64_t* scores = cache.score.data();
  const MemoryMib* free = free_memory_at_.data();
  const size_t n = cache.score.size();
  int64_t best = kNoFit;
  for (size_t p = 0; p < n; ++p) best = std::max(best, free[p] >= memory ? scores[p] : kNoFit);
  if (best == kNoFit) return std::nullopt;
  auto is_best = [&](size_t p) { return scores[p] == best && free[p] >= memory; };
  size_t ties = 0;
  for (size_t p = 0; p < n; ++p) ties += is_best(p);
  for (size_t p = 0, skip = rng_.below(ties);; ++p) {
    if (is_best(p) && skip-- == 0) return p;
  }
}

PlaceDecision Placer::decide(const TaskShape& shape) {
  TaskShape key = shape;
  key.memory_mib = 0;
  ShapeCache& cache = cache_for(key);
  if (shape.memory_mib > cache.max_feasible_memory) return {PlaceOutcome::kInfeasible, {}};
  refresh(cache, key);
  settle_blocks(cache);
  refresh_free_memory();
  const std::optional<size_t> pos = pick(cache, shape.memory_mib);
  if (!pos) return {PlaceOutcome::kNotNow, {}};
  const size_t p = *pos;
  const NodeIndex chosen = node_at_[p];
  const GpuMask gpus =
      policy_->choose_gpus(ledger_.spec(chosen), ledger_.state(chosen), shape, cache.gpus[p], rng_);
  return {PlaceOutcome::kPlaced, {chosen, gpus}};
}

}  // namespace fastgpu
