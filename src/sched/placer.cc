#include "sched/placer.h"

#include <algorithm>

namespace fastgpu {
namespace {
// Distinct shapes cached at once; past this the cache starts afresh (memory stays bounded).
constexpr size_t kMaxCachedShapes = 1024;
}  // namespace

Placer::Placer(const CapacityLedger& ledger, std::unique_ptr<PlacementPolicy> policy,
               uint64_t seed)
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
  const bool journal_ok = now - cache.seen <= ledger_.node_count() / 2 &&
                          ledger_.for_each_change_since(
                              cache.seen, [&](NodeIndex n) { rescore(cache, shape, n); });
  if (!journal_ok) {
    for (NodeIndex i = 0; i < ledger_.node_count(); ++i) rescore(cache, shape, i);
  }
  cache.seen = now;
}

void Placer::refresh_free_memory() {
  const uint64_t now = ledger_.change_sequence();
  auto update = [&](NodeIndex n) { free_memory_at_[position_[n]] = ledger_.state(n).free_memory; };
  if (!ledger_.for_each_change_since(free_memory_seen_, update)) {
    for (NodeIndex i = 0; i < ledger_.node_count(); ++i) update(i);
  }
  free_memory_seen_ = now;
}

int64_t Placer::best_score(const ShapeCache& cache, MemoryMib memory) const {
  const int64_t* scores = cache.score.data();
  const MemoryMib* free = free_memory_at_.data();
  int64_t best = kNoFit;
  for (size_t p = 0, n = cache.score.size(); p < n; ++p) {
    best = std::max(best, free[p] >= memory ? scores[p] : kNoFit);
  }
  return best;
}

size_t Placer::pick(const ShapeCache& cache, int64_t best, MemoryMib memory) {
  const int64_t* scores = cache.score.data();
  const MemoryMib* free = free_memory_at_.data();
  const size_t n = cache.score.size();
  auto is_best = [&](size_t p) { return scores[p] == best && free[p] >= memory; };
  if (policy_->tie_break() == TieBreak::kFixedOrder) {
    size_t p = 0;
    while (!is_best(p)) ++p;
    return p;
  }
  size_t ties = 0;
  for (size_t p = 0; p < n; ++p) ties += is_best(p);
  size_t skip = rng_.below(ties);
  for (size_t p = 0;; ++p) {
    if (is_best(p) && skip-- == 0) return p;
  }
}

PlaceDecision Placer::decide(const TaskShape& shape) {
  TaskShape key = shape;
  key.memory_mib = 0;
  ShapeCache& cache = cache_for(key);
  if (shape.memory_mib > cache.max_feasible_memory) return {PlaceOutcome::kInfeasible, {}};
  refresh(cache, key);
  refresh_free_memory();
  const int64_t best = best_score(cache, shape.memory_mib);
  if (best == kNoFit) return {PlaceOutcome::kNotNow, {}};
  const size_t p = pick(cache, best, shape.memory_mib);
  const NodeIndex chosen = node_at_[p];
  const GpuMask gpus = policy_->choose_gpus(ledger_.spec(chosen), ledger_.state(chosen), shape,
                                            cache.gpus[p], rng_);
  return {PlaceOutcome::kPlaced, {chosen, gpus}};
}

}  // namespace fastgpu
